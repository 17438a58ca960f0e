// Privileges granted or revoked on the tables and views of pg_catalog (and
// on their columns), relative to what initdb gave them (pg_init_privs), as
// pg_dump keeps them: `GRANT SELECT (prosrc) ON
// pg_catalog.pg_proc TO app`. One object per system relation whose
// privileges changed, key `system_privileges:pg_catalog.pg_proc`. Privileges
// on other system objects (functions, types, languages) are not recorded.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, inFilter, lines, qualified } from './sql.js';

const INIT = (objsubid: string): string =>
  `(SELECT ip.initprivs FROM pg_init_privs ip WHERE ip.classoid = 'pg_class'::regclass AND ip.objoid = c.oid AND ip.objsubid = ${objsubid})`;

const SQL = `
SELECT n.nspname AS schema, c.relname AS name, q.qname,
  ${aclLines({ acl: 'c.relacl', owner: 'c.relowner', type: 'r', target: `'TABLE ' || q.qname`, baseline: `coalesce(${INIT('0')}, acldefault('r', c.relowner))`, namedOwner: true })} AS grants,
  (SELECT string_agg(${aclLines({
    acl: 'a.attacl',
    owner: 'c.relowner',
    type: 'c',
    target: `'TABLE ' || q.qname`,
    baseline: `coalesce(${INIT('a.attnum')}, acldefault('c', c.relowner))`,
    namedOwner: true,
    column: 'quote_ident(a.attname)',
  })}, E'\\n' ORDER BY a.attnum)
    FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      AND coalesce(a.attacl, '{}') IS DISTINCT FROM coalesce(${INIT('a.attnum')}, '{}')) AS column_grants
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.relname')} AS qname) q
WHERE n.nspname = 'pg_catalog' AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND ${inFilter('c.oid')}
  AND (c.relacl IS DISTINCT FROM ${INIT('0')}
    OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      AND coalesce(a.attacl, '{}') IS DISTINCT FROM coalesce(${INIT('a.attnum')}, '{}')))`;

const STATEMENT = familyStatement('system_privileges', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  grants: string | null;
  column_grants: string | null;
}

export const readSystemPrivileges: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'relations');
  return rows
    .filter((row) => row.grants !== null || row.column_grants !== null)
    .map(
      (row): CatalogObject => ({
        key: `system_privileges:${row.qname}`,
        kind: 'system_privileges',
        schema: row.schema,
        name: row.name,
        definition: lines(row.grants, row.column_grants),
      }),
    );
};
