// Tables: ordinary, unlogged, typed (OF type), partitioned (PARTITION BY),
// partitions and inheritance children, and foreign tables (key
// `foreign_table:`, with their server and table and column OPTIONS). A partition is written as pg_dump writes it, a table
// with all its columns then ATTACH PARTITION, so its own column order, defaults
// and NOT NULLs survive; an inheritance child lists only its local columns
// (INHERITS brings the rest) plus ALTERs where an inherited column differs.
// The table's definition also holds: storage options, RLS flags, replica
// identity FULL/NOTHING, OWNED BY of the sequences its columns own, comments
// on it and its columns, and its (column) privileges. Constraints, indexes,
// triggers, policies and rules are objects of their own.
import type { CatalogObject, FamilyReader } from './family.js';
import { optionsClause } from './foreign-data.js';
import { familyStatement, runFamily } from './statement.js';
import { columnSettings, columnSpec, columnsSql, inheritedColumnChanges, reloption, type Column } from './columns.js';
import { aclLines, columnAclLines, ownerLine, commentLine, inFilter, lines, list, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, c.relname AS name, q.qname, c.relkind = 'f' AS foreign, c.relpersistence = 'u' AS unlogged,
  (SELECT format(' SERVER %I', s.srvname) || ${optionsClause('ft.ftoptions')} FROM pg_foreign_table ft
    JOIN pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid = c.oid) AS server,
  (SELECT string_agg(format('ALTER FOREIGN TABLE ONLY %s ALTER COLUMN %I%s;', q.qname, a.attname, ${optionsClause('a.attfdwoptions')}), E'\n' ORDER BY a.attnum)
    FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attfdwoptions IS NOT NULL) AS column_options,
  c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls, c.relreplident AS replica_identity,
  c.reloptions::text[] AS options,
  (SELECT t.reloptions::text[] FROM pg_class t WHERE t.oid = c.reltoastrelid) AS toast_options,
  CASE WHEN c.relkind = 'r' AND am.amname <> 'heap' THEN quote_ident(am.amname) END AS access_method,
  CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS of_type,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
  (SELECT array_agg(${qualified('pn.nspname', 'p.relname')} ORDER BY i.inhseqno) FROM pg_inherits i
    JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) AS parents,
  ${columnsSql('c.oid')} AS columns,
  (SELECT string_agg(format('ALTER SEQUENCE %s OWNED BY %s.%I;', ${qualified('sn.nspname', 's.relname')}, q.qname, a.attname), E'\\n'
      ORDER BY ${qualified('sn.nspname', 's.relname')})
    FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.deptype = 'a') AS owned_sequences,
  ${commentLine(`CASE WHEN c.relkind = 'f' THEN 'FOREIGN TABLE ' ELSE 'TABLE ' END || q.qname`, 'pg_class', 'c.oid')} AS comment,
  (SELECT string_agg(format('COMMENT ON COLUMN %s.%I IS %L;', q.qname, a.attname, d.description), E'\\n' ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = a.attrelid AND d.objsubid = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS column_comments,
  ${aclLines({ acl: 'c.relacl', owner: 'c.relowner', type: 'r', target: `'TABLE ' || q.qname` })} AS grants,
  ${columnAclLines('c.oid', 'c.relowner', `'TABLE ' || q.qname`)} AS column_grants,
  (SELECT string_agg(${aclLines({ acl: 's.relacl', owner: 's.relowner', type: 's', target: `'SEQUENCE ' || ${qualified('sn.nspname', 's.relname')}` })}, E'\\n'
      ORDER BY s.relname)
    FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.deptype = 'i') AS identity_grants,
  ${ownerLine(`CASE WHEN c.relkind = 'f' THEN 'FOREIGN TABLE ' ELSE 'TABLE ' END || q.qname`, 'c.relowner')} AS owner
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.relname')} AS qname) q
WHERE c.relkind IN ('r', 'p', 'f') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}
  AND ${inFilter('c.oid')}`;

const STATEMENT = familyStatement('tables', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  foreign: boolean;
  server: string | null;
  column_options: string | null;
  unlogged: boolean;
  rls: boolean;
  force_rls: boolean;
  replica_identity: 'd' | 'n' | 'f' | 'i';
  options: string[] | null;
  toast_options: string[] | null;
  access_method: string | null;
  of_type: string | null;
  partition_key: string | null;
  partition_bound: string | null;
  parents: string[] | null;
  columns: Column[] | null;
  owned_sequences: string | null;
  comment: string | null;
  column_comments: string | null;
  grants: string | null;
  column_grants: string | null;
  identity_grants: string | null;
  owner: string;
}

function definition(row: Row): string {
  const columns = row.columns ?? [];
  const parents = row.parents ?? [];
  const partitionOf = row.partition_bound !== null ? parents[0] : undefined;
  // Columns whose whole definition is in CREATE TABLE; the others come from
  // the parents, and only where they differ from them is written.
  const written = row.of_type !== null ? columns : columns.filter((column) => partitionOf !== undefined || column.local);
  const unlogged = row.unlogged ? 'UNLOGGED ' : '';
  let create: string;
  if (row.of_type !== null) {
    // A typed table's columns come from its type: only their options are written.
    const options = columns
      .filter((column) => column.default !== null || column.notNull)
      .map((column) => `${column.name} WITH OPTIONS${column.default !== null ? ` DEFAULT ${column.default}` : ''}${column.notNull ? ' NOT NULL' : ''}`);
    create = `CREATE ${unlogged}TABLE ${row.qname} OF ${row.of_type}${options.length > 0 ? ` (${list(options)})` : ''}`;
  } else {
    create = `CREATE ${row.foreign ? 'FOREIGN ' : unlogged}TABLE ${row.qname} (${list(written.map(columnSpec))})`;
  }
  // A child that has every column of its own, some also inherited, is
  // written with ALTER TABLE ... INHERIT: CREATE TABLE ... INHERITS would put
  // the inherited columns first (not the child's order) and refuses a
  // child's own generated column.
  const lateInherit =
    partitionOf === undefined && parents.length > 0 && columns.every((column) => column.local) && columns.some((column) => column.parentDefaults !== null);
  if (partitionOf === undefined && parents.length > 0 && !lateInherit) create += `\nINHERITS (${parents.join(', ')})`;
  if (row.partition_key !== null) create += `\nPARTITION BY ${row.partition_key}`;
  if (row.foreign) create += `\n${row.server?.trimStart() ?? ''}`;
  if (row.access_method !== null) create += `\nUSING ${row.access_method}`;
  const options = [...(row.options ?? []), ...(row.toast_options ?? []).map((option) => `toast.${option}`)];
  if (options.length > 0) create += `\nWITH (${options.map(reloption).join(', ')})`;
  const alters: string[] = lateInherit ? parents.map((parent) => `ALTER TABLE ${row.qname} INHERIT ${parent};`) : [];
  if (partitionOf !== undefined) alters.push(`ALTER TABLE ONLY ${partitionOf} ATTACH PARTITION ${row.qname} ${row.partition_bound};`);
  for (const column of columns) {
    if (!written.includes(column)) alters.push(...inheritedColumnChanges(row.qname, column));
    alters.push(...columnSettings(row.qname, column));
  }
  if (row.rls) alters.push(`ALTER TABLE ${row.qname} ENABLE ROW LEVEL SECURITY;`);
  if (row.force_rls) alters.push(`ALTER TABLE ${row.qname} FORCE ROW LEVEL SECURITY;`);
  // A foreign table has no replica identity (relreplident 'n' by default).
  if (row.replica_identity === 'f' && !row.foreign) alters.push(`ALTER TABLE ONLY ${row.qname} REPLICA IDENTITY FULL;`);
  if (row.replica_identity === 'n' && !row.foreign) alters.push(`ALTER TABLE ONLY ${row.qname} REPLICA IDENTITY NOTHING;`);
  return lines(
    `${create};`,
    row.column_options,
    ...alters,
    row.owned_sequences,
    row.comment,
    row.column_comments,
    row.grants,
    row.column_grants,
    row.identity_grants,
    row.owner,
  );
}

export const readTables: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'relations');
  return rows.map(
    (row): CatalogObject => ({
      key: `${row.foreign ? 'foreign_table' : 'table'}:${row.qname}`,
      kind: row.foreign ? 'foreign_table' : 'table',
      schema: row.schema,
      name: row.name,
      definition: definition(row),
    }),
  );
};
