// Base types (written in C) and shell types. A base type is two objects, as
// in pg_dump: `shell_type:` (CREATE TYPE x;), which its I/O functions need
// (dependencies.ts points their edge to the type at the shell), and `type:`
// with every property CREATE TYPE takes, comment, privileges and owner. A
// shell type that was never completed is a `type:` whose definition is the
// shell alone.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, quoteLiteral, userSchema } from './sql.js';

const proc = (column: string): string => `CASE WHEN ${column} <> 0 THEN ${column}::regproc::text END`;

const SQL = `
SELECT n.nspname AS schema, t.typname AS name, q.qname, t.typisdefined AS defined, t.typlen AS length, t.typbyval AS by_value,
  ${proc('t.typinput')} AS input, ${proc('t.typoutput')} AS output, ${proc('t.typreceive')} AS receive, ${proc('t.typsend')} AS send,
  ${proc('t.typmodin')} AS typmod_in, ${proc('t.typmodout')} AS typmod_out, ${proc('t.typanalyze')} AS analyze,
  ${proc('t.typsubscript')} AS subscript,
  CASE WHEN t.typelem <> 0 THEN format_type(t.typelem, NULL) END AS element,
  t.typcategory AS category, t.typispreferred AS preferred, t.typdelim AS delimiter, t.typalign AS alignment, t.typstorage AS storage,
  t.typcollation <> 0 AS collatable, t.typdefault AS default_value,
  ${commentLine(`'TYPE ' || q.qname`, 'pg_type', 't.oid')} AS comment,
  ${aclLines({ acl: 't.typacl', owner: 't.typowner', type: 'T', target: `'TYPE ' || q.qname` })} AS grants,
  ${ownerLine(`'TYPE ' || q.qname`, 't.typowner')} AS owner
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.typname')} AS qname) q
WHERE (t.typtype = 'b' OR (t.typtype = 'p' AND NOT t.typisdefined))
  -- not an array type made for its element
  AND NOT (t.typelem <> 0 AND t.typlen = -1 AND EXISTS (SELECT 1 FROM pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid))
  AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')} AND ${inFilter('t.oid')}`;

const STATEMENT = familyStatement('base_types', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  defined: boolean;
  length: number;
  by_value: boolean;
  input: string;
  output: string;
  receive: string | null;
  send: string | null;
  typmod_in: string | null;
  typmod_out: string | null;
  analyze: string | null;
  subscript: string | null;
  element: string | null;
  category: string;
  preferred: boolean;
  delimiter: string;
  alignment: 'c' | 's' | 'i' | 'd';
  storage: 'p' | 'e' | 'm' | 'x';
  collatable: boolean;
  default_value: string | null;
  comment: string | null;
  grants: string | null;
  owner: string;
}

const ALIGNMENT = { c: 'char', s: 'int2', i: 'int4', d: 'double' } as const;
const STORAGE = { p: 'plain', e: 'external', m: 'main', x: 'extended' } as const;

function options(row: Row): string[] {
  const out = [`INTERNALLENGTH = ${row.length === -1 ? 'variable' : row.length}`, `INPUT = ${row.input}`, `OUTPUT = ${row.output}`];
  const optional: Array<[string, string | null]> = [
    ['RECEIVE', row.receive], ['SEND', row.send], ['TYPMOD_IN', row.typmod_in], ['TYPMOD_OUT', row.typmod_out],
    ['ANALYZE', row.analyze], ['SUBSCRIPT', row.subscript],
  ];
  for (const [option, value] of optional) if (value !== null) out.push(`${option} = ${value}`);
  if (row.collatable) out.push('COLLATABLE = true');
  if (row.default_value !== null) out.push(`DEFAULT = ${quoteLiteral(row.default_value)}`);
  if (row.element !== null) out.push(`ELEMENT = ${row.element}`);
  if (row.category !== 'U') out.push(`CATEGORY = ${quoteLiteral(row.category)}`);
  if (row.preferred) out.push('PREFERRED = true');
  if (row.delimiter !== ',') out.push(`DELIMITER = ${quoteLiteral(row.delimiter)}`);
  out.push(`ALIGNMENT = ${ALIGNMENT[row.alignment]}`, `STORAGE = ${STORAGE[row.storage]}`);
  if (row.by_value) out.push('PASSEDBYVALUE');
  return out;
}

export const readBaseTypes: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'types');
  return rows.flatMap((row): CatalogObject[] => {
    const shell = `CREATE TYPE ${row.qname};`;
    const common = { schema: row.schema, name: row.name };
    if (!row.defined) return [{ ...common, key: `type:${row.qname}`, kind: 'type', definition: lines(shell, row.comment, row.owner) }];
    return [
      { ...common, key: `shell_type:${row.qname}`, kind: 'shell_type', definition: shell },
      {
        ...common,
        key: `type:${row.qname}`,
        kind: 'type',
        definition: lines(`CREATE TYPE ${row.qname} (\n    ${options(row).join(',\n    ')}\n);`, row.comment, row.grants, row.owner),
        requires: [`shell_type:${row.qname}`],
      },
    ];
  });
};
