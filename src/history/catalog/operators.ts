// Operators: CREATE OPERATOR with its function, argument types, commutator
// and negator (a replay that reaches one before the other makes a shell that
// the second CREATE fills in), estimators, MERGES/HASHES, comment, owner.
// Shell operators (named as a commutator, never defined) are not recorded:
// whatever names them makes them again.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, userSchema } from './sql.js';

/** `OPERATOR(schema.name)` of operator `oid`, as COMMUTATOR, NEGATOR and SORTOP want it. */
export function operatorRef(oid: string): string {
  return `(SELECT format('OPERATOR(%s.%s)', quote_ident(ron.nspname), ro.oprname) FROM pg_operator ro JOIN pg_namespace ron ON ron.oid = ro.oprnamespace WHERE ro.oid = ${oid})`;
}

const proc = (column: string): string => `CASE WHEN ${column} <> 0 THEN ${column}::regproc::text END`;

const SQL = `
SELECT n.nspname AS schema, o.oprname AS name, quote_ident(n.nspname) || '.' || o.oprname AS qname, o.oid::regoperator::text AS signature,
  o.oprcode::regproc::text AS function,
  CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS left_type, format_type(o.oprright, NULL) AS right_type,
  CASE WHEN o.oprcom <> 0 THEN ${operatorRef('o.oprcom')} END AS commutator,
  CASE WHEN o.oprnegate <> 0 THEN ${operatorRef('o.oprnegate')} END AS negator,
  ${proc('o.oprrest')} AS restrict, ${proc('o.oprjoin')} AS join, o.oprcanmerge AS merges, o.oprcanhash AS hashes,
  ${commentLine(`'OPERATOR ' || o.oid::regoperator::text`, 'pg_operator', 'o.oid')} AS comment,
  ${ownerLine(`'OPERATOR ' || o.oid::regoperator::text`, 'o.oprowner')} AS owner
FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
WHERE o.oprcode <> 0 AND ${userSchema('n')} AND ${notExtensionMember('pg_operator', 'o.oid')} AND ${inFilter('o.oid')}`;

const STATEMENT = familyStatement('operators', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  signature: string;
  function: string;
  left_type: string | null;
  right_type: string;
  commutator: string | null;
  negator: string | null;
  restrict: string | null;
  join: string | null;
  merges: boolean;
  hashes: boolean;
  comment: string | null;
  owner: string;
}

function options(row: Row): string[] {
  const out = [`FUNCTION = ${row.function}`];
  if (row.left_type !== null) out.push(`LEFTARG = ${row.left_type}`);
  out.push(`RIGHTARG = ${row.right_type}`);
  if (row.commutator) out.push(`COMMUTATOR = ${row.commutator}`);
  if (row.negator) out.push(`NEGATOR = ${row.negator}`);
  if (row.merges) out.push('MERGES');
  if (row.hashes) out.push('HASHES');
  if (row.restrict) out.push(`RESTRICT = ${row.restrict}`);
  if (row.join) out.push(`JOIN = ${row.join}`);
  return out;
}

export const readOperators: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'whole');
  return rows.map(
    (row): CatalogObject => ({
      key: `operator:${row.signature}`,
      kind: 'operator',
      schema: row.schema,
      name: row.name,
      definition: lines(`CREATE OPERATOR ${row.qname} (\n    ${options(row).join(',\n    ')}\n);`, row.comment, row.owner),
    }),
  );
};
