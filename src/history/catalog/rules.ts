// Rewrite rules other than a view's own (_RETURN), from pg_get_ruledef, with
// their enabled state and comment.
import type { FamilyReader } from './family.js';
import { familyStatement } from './statement.js';
import { commentLine, inFilter, notExtensionMember, qualified, userSchema } from './sql.js';
import { hookReader } from './table-hooks.js';

const SQL = `
SELECT n.nspname AS schema, w.rulename AS name, q.qtable, quote_ident(w.rulename) AS qname, pg_get_ruledef(w.oid) AS def,
  w.ev_enabled AS enabled,
  ${commentLine(`format('RULE %I ON %s', w.rulename, q.qtable)`, 'pg_rewrite', 'w.oid')} AS comment
FROM pg_rewrite w JOIN pg_class t ON t.oid = w.ev_class JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
WHERE w.rulename <> '_RETURN' AND t.relkind IN ('r', 'p', 'v', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')} AND ${inFilter('w.oid')}`;

const STATEMENT = familyStatement('rules', SQL);

export const readRules: FamilyReader = hookReader('rule', STATEMENT, 'rules', (row) => row.def.trim());
