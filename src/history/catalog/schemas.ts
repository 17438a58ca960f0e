// Schemas: CREATE SCHEMA, comment, privileges. `public` exists in every new
// database, so it is written IF NOT EXISTS and compared with what a new
// PostgreSQL 15+ database gives it (owner pg_database_owner, USAGE for
// PUBLIC, the comment 'standard public schema').
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, ownerLine, commentLine, commentOf, inFilter, lines, notExtensionMember, userSchema } from './sql.js';

const PUBLIC_COMMENT = 'standard public schema';

const SQL = `
SELECT n.nspname AS name, quote_ident(n.nspname) AS qname,
  ${commentOf('pg_namespace', 'n.oid')} AS comment,
  ${commentLine(`'SCHEMA ' || quote_ident(n.nspname)`, 'pg_namespace', 'n.oid')} AS comment_line,
  CASE WHEN n.nspname = 'public'
    THEN ${aclLines({
      acl: 'n.nspacl',
      owner: 'n.nspowner',
      type: 'n',
      target: `'SCHEMA public'`,
      baseline: `acldefault('n', 'pg_database_owner'::regrole) || makeaclitem(0, 'pg_database_owner'::regrole, 'USAGE', false)`,
      // public exists before the replay, owned by pg_database_owner
      namedOwner: true,
    })}
    ELSE ${aclLines({ acl: 'n.nspacl', owner: 'n.nspowner', type: 'n', target: `'SCHEMA ' || quote_ident(n.nspname)` })}
  END AS grants,
  CASE WHEN n.nspowner <> 'pg_database_owner'::regrole THEN ${ownerLine(`'SCHEMA ' || quote_ident(n.nspname)`, 'n.nspowner')} END AS owner
FROM pg_namespace n
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_namespace', 'n.oid')} AND ${inFilter('n.oid')}`;

const STATEMENT = familyStatement('schemas', SQL);

interface Row extends Record<string, unknown> {
  name: string;
  qname: string;
  comment: string | null;
  comment_line: string | null;
  grants: string | null;
  owner: string | null;
}

export const readSchemas: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'schemas');
  return rows.map((row): CatalogObject => {
    const isPublic = row.name === 'public';
    let comment = row.comment_line;
    if (isPublic && row.comment === PUBLIC_COMMENT) comment = null;
    else if (isPublic && row.comment === null) comment = 'COMMENT ON SCHEMA public IS NULL;';
    return {
      key: `schema:${row.qname}`,
      kind: 'schema',
      schema: null,
      name: row.name,
      definition: lines(isPublic ? 'CREATE SCHEMA IF NOT EXISTS public;' : `CREATE SCHEMA ${row.qname};`, comment, row.grants, row.owner),
    };
  });
};
