// Types: enums (labels in sort order), composite types, range types (with
// the multirange type name, always written). Domains are in domains.ts; base
// and shell types (C code) are not recorded.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, ownerLine, collationSql, commentLine, inFilter, lines, list, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, t.typname AS name, q.qname, t.typtype AS type,
  CASE WHEN t.typtype = 'e' THEN
    (SELECT array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
  CASE WHEN t.typtype = 'c' THEN (SELECT json_agg(json_build_object(
      'name', quote_ident(a.attname), 'type', format_type(a.atttypid, a.atttypmod), 'collation', ${collationSql('a.attcollation', 'at.typcollation')}) ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END AS attributes,
  CASE WHEN t.typtype = 'c' THEN (SELECT string_agg(format('COMMENT ON COLUMN %s.%s IS %L;', q.qname, quote_ident(a.attname), d.description), E'\\n' ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = a.attrelid AND d.objsubid = a.attnum
    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END AS attribute_comments,
  format_type(r.rngsubtype, NULL) AS subtype,
  CASE WHEN r.rngsubopc IS DISTINCT FROM (SELECT o.oid FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod
      WHERE m.amname = 'btree' AND o.opcintype = r.rngsubtype AND o.opcdefault LIMIT 1)
    THEN (SELECT ${qualified('ocn.nspname', 'o.opcname')} FROM pg_opclass o JOIN pg_namespace ocn ON ocn.oid = o.opcnamespace WHERE o.oid = r.rngsubopc) END AS opclass,
  ${collationSql('coalesce(r.rngcollation, 0)', 'coalesce(st.typcollation, 0)')} AS collation,
  CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END AS canonical,
  CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END AS subtype_diff,
  (SELECT ${qualified('mn.nspname', 'mt.typname')} FROM pg_type mt JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid) AS multirange,
  ${commentLine(`'TYPE ' || q.qname`, 'pg_type', 't.oid')} AS comment,
  ${aclLines({ acl: 't.typacl', owner: 't.typowner', type: 'T', target: `'TYPE ' || q.qname` })} AS grants,
  ${ownerLine(`'TYPE ' || q.qname`, 't.typowner')} AS owner
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.typname')} AS qname) q
  LEFT JOIN pg_range r ON r.rngtypid = t.oid LEFT JOIN pg_type st ON st.oid = r.rngsubtype
WHERE (t.typtype IN ('e', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
  AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')} AND ${inFilter('t.oid')}`;

const STATEMENT = familyStatement('types', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  type: 'e' | 'c' | 'r';
  labels: string[] | null;
  attributes: Array<{ name: string; type: string; collation: string | null }> | null;
  attribute_comments: string | null;
  subtype: string | null;
  opclass: string | null;
  collation: string | null;
  canonical: string | null;
  subtype_diff: string | null;
  multirange: string | null;
  comment: string | null;
  grants: string | null;
  owner: string;
}

function body(row: Row): string {
  switch (row.type) {
    case 'e':
      return `CREATE TYPE ${row.qname} AS ENUM (${list(row.labels ?? [])});`;
    case 'c':
      return `CREATE TYPE ${row.qname} AS (${list(
        (row.attributes ?? []).map((a) => `${a.name} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`),
      )});`;
    case 'r': {
      const options = [`subtype = ${row.subtype}`];
      if (row.opclass) options.push(`subtype_opclass = ${row.opclass}`);
      if (row.collation) options.push(`collation = ${row.collation}`);
      if (row.canonical) options.push(`canonical = ${row.canonical}`);
      if (row.subtype_diff) options.push(`subtype_diff = ${row.subtype_diff}`);
      if (row.multirange) options.push(`multirange_type_name = ${row.multirange}`);
      return `CREATE TYPE ${row.qname} AS RANGE (${list(options)});`;
    }
  }
}

export const readTypes: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'types');
  return rows.map(
    (row): CatalogObject => ({
      key: `type:${row.qname}`,
      kind: 'type',
      schema: row.schema,
      name: row.name,
      definition: lines(body(row), row.comment, row.attribute_comments, row.grants, row.owner),
    }),
  );
};
