// Domains: CREATE DOMAIN with collation, default and NOT NULL, then each
// CHECK constraint by name (ALTER DOMAIN ... ADD CONSTRAINT, which also
// carries NOT VALID), comments and privileges.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, collationSql, commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, t.typname AS name, q.qname, format_type(t.typbasetype, t.typtypmod) AS base,
  ${collationSql('t.typcollation', 'bt.typcollation')} AS collation,
  pg_get_expr(t.typdefaultbin, 0) AS default_expr, t.typnotnull AS not_null,
  (SELECT string_agg(format('ALTER DOMAIN %s ADD CONSTRAINT %I %s;', q.qname, k.conname, pg_get_constraintdef(k.oid)), E'\\n' ORDER BY k.conname)
    FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') AS constraints,
  (SELECT string_agg(format('COMMENT ON CONSTRAINT %I ON DOMAIN %s IS %L;', k.conname, q.qname, d.description), E'\\n' ORDER BY k.conname)
    FROM pg_constraint k JOIN pg_description d ON d.classoid = 'pg_constraint'::regclass AND d.objoid = k.oid AND d.objsubid = 0
    WHERE k.contypid = t.oid) AS constraint_comments,
  ${commentLine(`'DOMAIN ' || q.qname`, 'pg_type', 't.oid')} AS comment,
  ${aclLines({ acl: 't.typacl', owner: 't.typowner', type: 'T', target: `'DOMAIN ' || q.qname` })} AS grants,
  ${ownerLine(`'DOMAIN ' || q.qname`, 't.typowner')} AS owner
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.typname')} AS qname) q
WHERE t.typtype = 'd' AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')} AND ${inFilter('t.oid')}`;

const STATEMENT = familyStatement('domains', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  base: string;
  collation: string | null;
  default_expr: string | null;
  not_null: boolean;
  constraints: string | null;
  constraint_comments: string | null;
  comment: string | null;
  grants: string | null;
  owner: string;
}

export const readDomains: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'types');
  return rows.map((row): CatalogObject => {
    let create = `CREATE DOMAIN ${row.qname} AS ${row.base}`;
    if (row.collation) create += ` COLLATE ${row.collation}`;
    if (row.default_expr !== null) create += ` DEFAULT ${row.default_expr}`;
    if (row.not_null) create += ' NOT NULL';
    return {
      key: `domain:${row.qname}`,
      kind: 'domain',
      schema: row.schema,
      name: row.name,
      definition: lines(`${create};`, row.constraints, row.comment, row.constraint_comments, row.grants, row.owner),
    };
  });
};
