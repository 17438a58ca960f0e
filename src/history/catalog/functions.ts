// Functions and procedures, from pg_get_functiondef (which already says
// CREATE OR REPLACE, the language, volatility, SET options and the body),
// with comment and EXECUTE privileges. Functions a type made for itself
// (range constructors) belong to the type. Aggregates: aggregates.ts.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, commentLine, ownerLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind, q.signature, pg_get_functiondef(p.oid) AS def,
  ${commentLine(`CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || q.target`, 'pg_proc', 'p.oid')} AS comment,
  ${aclLines({ acl: 'p.proacl', owner: 'p.proowner', type: 'f', target: `CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || q.target` })} AS grants,
  ${ownerLine(`CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || q.target`, 'p.proowner')} AS owner
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  CROSS JOIN LATERAL (SELECT p.oid::regprocedure::text AS signature,
    -- with argument modes: a procedure's OUT arguments tell apart two that regprocedure prints alike
    CASE WHEN p.prokind = 'p' THEN ${qualified('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')'
      ELSE p.oid::regprocedure::text END AS target) q
WHERE p.prokind IN ('f', 'p', 'w') AND ${userSchema('n')} AND ${notExtensionMember('pg_proc', 'p.oid')} AND ${inFilter('p.oid')}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')`;

const STATEMENT = familyStatement('functions', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  kind: 'f' | 'p' | 'w';
  signature: string;
  def: string;
  comment: string | null;
  grants: string | null;
  owner: string;
}

export const readFunctions: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'routines');
  return rows.map((row): CatalogObject => {
    const kind = row.kind === 'p' ? 'procedure' : 'function';
    return {
      key: `${kind}:${row.signature}`,
      kind,
      schema: row.schema,
      name: row.name,
      definition: lines(`${row.def.replace(/\s+$/, '')};`, row.comment, row.grants, row.owner),
    };
  });
};
