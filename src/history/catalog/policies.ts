// Row-level security policies: CREATE POLICY with permissive/restrictive,
// command, roles (in their stored order), USING and WITH CHECK, and comment.
// The table's ENABLE/FORCE ROW LEVEL SECURITY flags are part of the table.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, o.polname AS name, q.qtable, quote_ident(o.polname) AS qname, o.polpermissive AS permissive,
  o.polcmd AS command,
  (SELECT string_agg(CASE WHEN r.role = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.role)) END, ', ' ORDER BY r.ord)
    FROM unnest(o.polroles) WITH ORDINALITY AS r(role, ord)) AS roles,
  pg_get_expr(o.polqual, o.polrelid) AS using_expr, pg_get_expr(o.polwithcheck, o.polrelid) AS check_expr,
  ${commentLine(`format('POLICY %I ON %s', o.polname, q.qtable)`, 'pg_policy', 'o.oid')} AS comment
FROM pg_policy o JOIN pg_class t ON t.oid = o.polrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
WHERE t.relkind IN ('r', 'p') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')} AND ${inFilter('o.oid')}`;

const STATEMENT = familyStatement('policies', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qtable: string;
  qname: string;
  permissive: boolean;
  command: '*' | 'r' | 'a' | 'w' | 'd';
  roles: string | null;
  using_expr: string | null;
  check_expr: string | null;
  comment: string | null;
}

const COMMAND = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' } as const;

export const readPolicies: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'policies');
  return rows.map((row): CatalogObject => {
    let create = `CREATE POLICY ${row.qname} ON ${row.qtable}`;
    if (!row.permissive) create += ' AS RESTRICTIVE';
    create += ` FOR ${COMMAND[row.command]} TO ${row.roles ?? 'PUBLIC'}`;
    if (row.using_expr !== null) create += `\n  USING (${row.using_expr})`;
    if (row.check_expr !== null) create += `\n  WITH CHECK (${row.check_expr})`;
    return {
      key: `policy:${row.qtable}.${row.qname}`,
      kind: 'policy',
      schema: row.schema,
      name: row.name,
      definition: lines(`${create};`, row.comment),
    };
  });
};
