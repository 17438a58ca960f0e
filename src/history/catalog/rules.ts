// Rewrite rules other than a view's own (_RETURN), from pg_get_ruledef, with
// their enabled state and comment.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, w.rulename AS name, q.qtable, quote_ident(w.rulename) AS qname, pg_get_ruledef(w.oid) AS def,
  w.ev_enabled AS enabled,
  ${commentLine(`format('RULE %I ON %s', w.rulename, q.qtable)`, 'pg_rewrite', 'w.oid')} AS comment
FROM pg_rewrite w JOIN pg_class t ON t.oid = w.ev_class JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
WHERE w.rulename <> '_RETURN' AND t.relkind IN ('r', 'p', 'v', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')} AND ${inFilter('w.oid')}`;

const STATEMENT = familyStatement('rules', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qtable: string;
  qname: string;
  def: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
}

const ENABLED = { O: null, D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as const;

export const readRules: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'rules');
  return rows.map((row): CatalogObject => {
    const state = ENABLED[row.enabled];
    return {
      key: `rule:${row.qtable}.${row.qname}`,
      kind: 'rule',
      schema: row.schema,
      name: row.name,
      definition: lines(row.def.trim(), state ? `ALTER TABLE ${row.qtable} ${state} RULE ${row.qname};` : null, row.comment),
    };
  });
};
