// ALTER DEFAULT PRIVILEGES: what objects a role creates later will grant.
// Written relative to the built-in defaults (global entries) or to nothing
// (per-schema entries, which only add). Rendered after every other object,
// so the objects of the schema keep exactly the privileges they have.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, inFilter } from './sql.js';

const SQL = `
SELECT quote_ident(pg_get_userbyid(a.defaclrole)) AS role, n.nspname AS schema, quote_ident(n.nspname) AS qschema, k.word,
  ${aclLines({
    acl: 'a.defaclacl',
    owner: 'a.defaclrole',
    typeSql: 'k.letter',
    target: 'upper(k.word)',
    baseline: `CASE WHEN a.defaclnamespace = 0 THEN acldefault(k.letter, a.defaclrole) END`,
    prefix: `format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s ', pg_get_userbyid(a.defaclrole), CASE WHEN n.nspname IS NULL THEN '' ELSE ' IN SCHEMA ' || quote_ident(n.nspname) END)`,
    namedOwner: true,
  })} AS grants
FROM pg_default_acl a LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace
  CROSS JOIN LATERAL (SELECT CASE a.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
      WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' END AS word,
    CASE a.defaclobjtype WHEN 'S' THEN 's' ELSE a.defaclobjtype END::"char" AS letter) k
WHERE ${inFilter('a.oid')}`;

const STATEMENT = familyStatement('default_acls', SQL);

interface Row extends Record<string, unknown> {
  role: string;
  schema: string | null;
  qschema: string | null;
  word: string;
  grants: string | null;
}

export const readDefaultAcls: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'defaultAcls');
  return rows
    .filter((row) => row.grants !== null)
    .map(
      (row): CatalogObject => ({
        key: `default_acl:${row.role}${row.qschema === null ? '' : `.${row.qschema}`}.${row.word}`,
        kind: 'default_acl',
        schema: row.schema,
        name: row.word,
        definition: row.grants ?? '',
        requires: row.qschema === null ? [] : [`schema:${row.qschema}`],
      }),
    );
};
