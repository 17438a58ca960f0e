// Casts (CREATE CAST: with a function, WITH INOUT or WITHOUT FUNCTION, and
// its context) and transforms (CREATE TRANSFORM FOR type LANGUAGE ...).
// Neither has an owner. Keys: cast:(source AS target), transform:FOR type
// LANGUAGE lang.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, FIRST_USER_OID, inFilter, lines, notExtensionMember } from './sql.js';

const CASTS_SQL = `
SELECT q.name, c.castmethod AS method, c.castcontext AS context,
  CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS function,
  ${commentLine(`'CAST ' || q.name`, 'pg_cast', 'c.oid')} AS comment
FROM pg_cast c CROSS JOIN LATERAL (SELECT format('(%s AS %s)', format_type(c.castsource, NULL), format_type(c.casttarget, NULL)) AS name) q
WHERE c.oid >= ${FIRST_USER_OID} AND ${notExtensionMember('pg_cast', 'c.oid')} AND ${inFilter('c.oid')}
  -- a range type's cast to its multirange comes with the type
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'i')`;

const TRANSFORMS_SQL = `
SELECT q.name, CASE WHEN t.trffromsql <> 0 THEN t.trffromsql::regprocedure::text END AS from_sql,
  CASE WHEN t.trftosql <> 0 THEN t.trftosql::regprocedure::text END AS to_sql,
  ${commentLine(`'TRANSFORM ' || q.name`, 'pg_transform', 't.oid')} AS comment
FROM pg_transform t JOIN pg_language l ON l.oid = t.trflang
  CROSS JOIN LATERAL (SELECT format('FOR %s LANGUAGE %s', format_type(t.trftype, NULL), quote_ident(l.lanname)) AS name) q
WHERE ${notExtensionMember('pg_transform', 't.oid')} AND ${inFilter('t.oid')}`;

const CASTS = familyStatement('casts', CASTS_SQL);
const TRANSFORMS = familyStatement('transforms', TRANSFORMS_SQL);

interface CastRow extends Record<string, unknown> {
  name: string;
  method: 'f' | 'i' | 'b';
  context: 'e' | 'a' | 'i';
  function: string | null;
  comment: string | null;
}

interface TransformRow extends Record<string, unknown> {
  name: string;
  from_sql: string | null;
  to_sql: string | null;
  comment: string | null;
}

const HOW = { f: '', i: ' WITH INOUT', b: ' WITHOUT FUNCTION' } as const;
const CONTEXT = { e: '', a: ' AS ASSIGNMENT', i: ' AS IMPLICIT' } as const;

export const readCasts: FamilyReader = async (query, filter) => {
  const rows = await runFamily<CastRow>(query, CASTS, filter, 'whole');
  return rows.map((row): CatalogObject => {
    const how = row.method === 'f' ? ` WITH FUNCTION ${row.function}` : HOW[row.method];
    return {
      key: `cast:${row.name}`,
      kind: 'cast',
      schema: null,
      name: row.name,
      definition: lines(`CREATE CAST ${row.name}${how}${CONTEXT[row.context]};`, row.comment),
    };
  });
};

export const readTransforms: FamilyReader = async (query, filter) => {
  const rows = await runFamily<TransformRow>(query, TRANSFORMS, filter, 'whole');
  return rows.map((row): CatalogObject => {
    const parts = [
      ...(row.from_sql ? [`FROM SQL WITH FUNCTION ${row.from_sql}`] : []),
      ...(row.to_sql ? [`TO SQL WITH FUNCTION ${row.to_sql}`] : []),
    ];
    return {
      key: `transform:${row.name}`,
      kind: 'transform',
      schema: null,
      name: row.name,
      definition: lines(`CREATE TRANSFORM ${row.name} (${parts.join(', ')});`, row.comment),
    };
  });
};
