// Triggers (including constraint triggers) from pg_get_triggerdef, with
// their enabled state and comment. A partition's clone of its parent's
// trigger is made by the parent's; internal triggers (foreign keys) are not
// schema of their own.
import type { FamilyReader } from './family.js';
import { familyStatement } from './statement.js';
import { commentLine, inFilter, notExtensionMember, qualified, userSchema } from './sql.js';
import { hookReader } from './table-hooks.js';

const SQL = `
SELECT n.nspname AS schema, g.tgname AS name, q.qtable, quote_ident(g.tgname) AS qname, pg_get_triggerdef(g.oid) AS def,
  g.tgenabled AS enabled,
  ${commentLine(`format('TRIGGER %I ON %s', g.tgname, q.qtable)`, 'pg_trigger', 'g.oid')} AS comment
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND t.relkind IN ('r', 'p', 'v', 'f') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')}
  AND ${inFilter('g.oid')}`;

const STATEMENT = familyStatement('triggers', SQL);

export const readTriggers: FamilyReader = hookReader('trigger', STATEMENT, 'triggers', (row) => `${row.def};`);
