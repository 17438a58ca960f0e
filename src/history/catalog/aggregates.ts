// Aggregates: CREATE AGGREGATE with the options that differ from what the
// command picks by itself (plain, moving-aggregate, ordered-set and
// hypothetical-set forms), comment and EXECUTE privileges.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, inFilter, lines, notExtensionMember, ownerLine, qualified, quoteLiteral, userSchema } from './sql.js';

const proc = (column: string): string => `CASE WHEN ${column} <> 0 THEN ${column}::regproc::text END`;

const SQL = `
SELECT n.nspname AS schema, p.proname AS name, ${qualified('n.nspname', 'p.proname')} AS qname, q.signature, a.aggkind AS kind,
  CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(p.oid) END AS arguments,
  CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_identity_arguments(p.oid) END AS identity_arguments,
  ${proc('a.aggtransfn')} AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
  ${proc('a.aggfinalfn')} AS finalfunc, a.aggfinalextra AS finalfunc_extra, a.aggfinalmodify AS finalfunc_modify,
  ${proc('a.aggcombinefn')} AS combinefunc, ${proc('a.aggserialfn')} AS serialfunc, ${proc('a.aggdeserialfn')} AS deserialfunc,
  a.agginitval AS initcond,
  ${proc('a.aggmtransfn')} AS msfunc, ${proc('a.aggminvtransfn')} AS minvfunc,
  CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
  ${proc('a.aggmfinalfn')} AS mfinalfunc, a.aggmfinalextra AS mfinalfunc_extra, a.aggmfinalmodify AS mfinalfunc_modify,
  a.aggminitval AS minitcond,
  CASE WHEN a.aggsortop <> 0 THEN (SELECT CASE WHEN o.oprnamespace = 'pg_catalog'::regnamespace THEN o.oprname
      ELSE format('OPERATOR(%I.%s)', on_.nspname, o.oprname) END FROM pg_operator o JOIN pg_namespace on_ ON on_.oid = o.oprnamespace
    WHERE o.oid = a.aggsortop) END AS sortop,
  p.proparallel AS parallel,
  (SELECT d.description FROM pg_description d WHERE d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid AND d.objsubid = 0) AS comment,
  ${aclLines({ acl: 'p.proacl', owner: 'p.proowner', type: 'f', target: `'FUNCTION ' || q.signature` })} AS grants,
  ${ownerLine(`'AGGREGATE ' || ${qualified('n.nspname', 'p.proname')} || '(' || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_identity_arguments(p.oid) END || ')'`, 'p.proowner')} AS owner
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
  CROSS JOIN LATERAL (SELECT p.oid::regprocedure::text AS signature) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_proc', 'p.oid')} AND ${inFilter('p.oid')}`;

const STATEMENT = familyStatement('aggregates', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  signature: string;
  kind: 'n' | 'o' | 'h';
  arguments: string;
  identity_arguments: string;
  sfunc: string;
  stype: string;
  sspace: number;
  finalfunc: string | null;
  finalfunc_extra: boolean;
  finalfunc_modify: 'r' | 's' | 'w';
  combinefunc: string | null;
  serialfunc: string | null;
  deserialfunc: string | null;
  initcond: string | null;
  msfunc: string | null;
  minvfunc: string | null;
  mstype: string | null;
  msspace: number;
  mfinalfunc: string | null;
  mfinalfunc_extra: boolean;
  mfinalfunc_modify: 'r' | 's' | 'w';
  minitcond: string | null;
  sortop: string | null;
  parallel: 's' | 'r' | 'u';
  comment: string | null;
  grants: string | null;
  owner: string;
}

const MODIFY = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' } as const;
const PARALLEL = { s: 'SAFE', r: 'RESTRICTED', u: 'UNSAFE' } as const;

function options(row: Row): string[] {
  const defaultModify = row.kind === 'n' ? 'r' : 'w';
  const out = [`SFUNC = ${row.sfunc}`, `STYPE = ${row.stype}`];
  if (row.sspace !== 0) out.push(`SSPACE = ${row.sspace}`);
  if (row.finalfunc) out.push(`FINALFUNC = ${row.finalfunc}`);
  if (row.finalfunc_extra) out.push('FINALFUNC_EXTRA');
  if (row.finalfunc && row.finalfunc_modify !== defaultModify) out.push(`FINALFUNC_MODIFY = ${MODIFY[row.finalfunc_modify]}`);
  if (row.combinefunc) out.push(`COMBINEFUNC = ${row.combinefunc}`);
  if (row.serialfunc) out.push(`SERIALFUNC = ${row.serialfunc}`);
  if (row.deserialfunc) out.push(`DESERIALFUNC = ${row.deserialfunc}`);
  if (row.initcond !== null) out.push(`INITCOND = ${quoteLiteral(row.initcond)}`);
  if (row.msfunc) out.push(`MSFUNC = ${row.msfunc}`);
  if (row.minvfunc) out.push(`MINVFUNC = ${row.minvfunc}`);
  if (row.mstype) out.push(`MSTYPE = ${row.mstype}`);
  if (row.msspace !== 0) out.push(`MSSPACE = ${row.msspace}`);
  if (row.mfinalfunc) out.push(`MFINALFUNC = ${row.mfinalfunc}`);
  if (row.mfinalfunc_extra) out.push('MFINALFUNC_EXTRA');
  if (row.mfinalfunc && row.mfinalfunc_modify !== defaultModify) out.push(`MFINALFUNC_MODIFY = ${MODIFY[row.mfinalfunc_modify]}`);
  if (row.minitcond !== null) out.push(`MINITCOND = ${quoteLiteral(row.minitcond)}`);
  if (row.sortop) out.push(`SORTOP = ${row.sortop}`);
  if (row.parallel !== 'u') out.push(`PARALLEL = ${PARALLEL[row.parallel]}`);
  if (row.kind === 'h') out.push('HYPOTHETICAL');
  return out;
}

export const readAggregates: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'routines');
  return rows.map((row): CatalogObject => {
    const name = row.qname;
    return {
      key: `aggregate:${row.signature}`,
      kind: 'aggregate',
      schema: row.schema,
      name: row.name,
      definition: lines(
        `CREATE AGGREGATE ${name}(${row.arguments}) (\n    ${options(row).join(',\n    ')}\n);`,
        row.comment === null ? null : `COMMENT ON AGGREGATE ${name}(${row.identity_arguments}) IS ${quoteLiteral(row.comment)};`,
        row.grants,
        row.owner,
      ),
    };
  });
};
