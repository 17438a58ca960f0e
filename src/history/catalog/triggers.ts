// Triggers (including constraint triggers) from pg_get_triggerdef, with
// their enabled state and comment. A partition's clone of its parent's
// trigger is made by the parent's; internal triggers (foreign keys) are not
// schema of their own.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, g.tgname AS name, q.qtable, quote_ident(g.tgname) AS qname, pg_get_triggerdef(g.oid) AS def,
  g.tgenabled AS enabled,
  ${commentLine(`format('TRIGGER %I ON %s', g.tgname, q.qtable)`, 'pg_trigger', 'g.oid')} AS comment
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND t.relkind IN ('r', 'p', 'v') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')}
  AND ${inFilter('g.oid')}`;

const STATEMENT = familyStatement('triggers', SQL);

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

export const readTriggers: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'triggers');
  return rows.map((row): CatalogObject => {
    const state = ENABLED[row.enabled];
    return {
      key: `trigger:${row.qtable}.${row.qname}`,
      kind: 'trigger',
      schema: row.schema,
      name: row.name,
      definition: lines(`${row.def};`, state ? `ALTER TABLE ${row.qtable} ${state} TRIGGER ${row.qname};` : null, row.comment),
    };
  });
};
