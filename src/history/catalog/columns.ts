// Columns of a table, as one JSON array per table, and how they are written:
// in CREATE TABLE (type, collation, generation or default, NOT NULL,
// identity with its sequence) or, for columns a child inherits, as the
// ALTERs that make it differ from its parents.
import { collationSql, qualified } from './sql.js';
import { sequenceOptions, type SequenceParameters } from './sequence-options.js';

export interface Column {
  readonly name: string;
  readonly type: string;
  readonly collation: string | null;
  readonly default: string | null;
  readonly generated: string | null;
  readonly notNull: boolean;
  readonly identity: '' | 'a' | 'd';
  /** logged: set when the sequence's persistence differs from its table's. */
  readonly identitySequence: (SequenceParameters & { readonly name: string; readonly logged: boolean | null }) | null;
  readonly local: boolean;
  readonly statistics: number | null;
  readonly storage: 'p' | 'e' | 'm' | 'x' | null;
  readonly compression: 'p' | 'l' | null;
  readonly options: string[] | null;
  readonly parentNotNull: boolean | null;
  readonly parentDefaults: Array<string | null> | null;
}

/** JSON array of Column for relation `rel` (an oid expression). */
export function columnsSql(rel: string): string {
  return `(SELECT json_agg(json_build_object(
      'name', quote_ident(a.attname),
      'type', format_type(a.atttypid, a.atttypmod),
      'collation', ${collationSql('a.attcollation', 't.typcollation')},
      'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
      'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
      'notNull', a.attnotnull,
      'identity', a.attidentity,
      'identitySequence', CASE WHEN a.attidentity <> '' THEN (SELECT json_build_object(
          'name', ${qualified('sn.nspname', 'sc.relname')}, 'type', format_type(s.seqtypid, NULL), 'start', s.seqstart::text,
          'increment', s.seqincrement::text, 'min', s.seqmin::text, 'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle,
          'logged', CASE WHEN sc.relpersistence <> (SELECT tc.relpersistence FROM pg_class tc WHERE tc.oid = a.attrelid) THEN sc.relpersistence = 'p' END)
        FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid JOIN pg_class sc ON sc.oid = s.seqrelid
          JOIN pg_namespace sn ON sn.oid = sc.relnamespace
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
          AND d.refobjsubid = a.attnum AND d.deptype = 'i' LIMIT 1) END,
      'local', a.attislocal,
      'statistics', CASE WHEN a.attstattarget <> -1 THEN a.attstattarget END,
      'storage', CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END,
      'compression', CASE WHEN a.attcompression IN ('p', 'l') THEN a.attcompression END,
      'options', a.attoptions,
      'parentNotNull', (SELECT bool_or(pa.attnotnull) FROM pg_inherits i
          JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname AND NOT pa.attisdropped WHERE i.inhrelid = a.attrelid),
      'parentDefaults', (SELECT json_agg(pg_get_expr(pd.adbin, pd.adrelid)) FROM pg_inherits i
          JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname AND NOT pa.attisdropped
          LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum WHERE i.inhrelid = a.attrelid)
    ) ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid = ${rel} AND a.attnum > 0 AND NOT a.attisdropped)`;
}

/** The column as written inside CREATE TABLE. */
export function columnSpec(column: Column): string {
  let spec = `${column.name} ${column.type}`;
  if (column.collation) spec += ` COLLATE ${column.collation}`;
  if (column.generated !== null) spec += ` GENERATED ALWAYS AS (${column.generated}) STORED`;
  else if (column.default !== null) spec += ` DEFAULT ${column.default}`;
  if (column.notNull) spec += ' NOT NULL';
  if (column.identity !== '' && column.identitySequence) {
    const sequence = column.identitySequence;
    const persistence = sequence.logged === null ? [] : [sequence.logged ? 'LOGGED' : 'UNLOGGED'];
    const options = [`SEQUENCE NAME ${sequence.name}`, ...persistence, ...sequenceOptions(sequence, column.type)];
    spec += ` GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (${options.join(' ')})`;
  }
  return spec;
}

/** For a column inherited from parents (not written in CREATE TABLE): what differs from them. */
export function inheritedColumnChanges(table: string, column: Column): string[] {
  const alter = `ALTER TABLE ONLY ${table} ALTER COLUMN ${column.name}`;
  const changes: string[] = [];
  if (column.generated === null && !(column.parentDefaults ?? [null]).includes(column.default)) {
    changes.push(column.default === null ? `${alter} DROP DEFAULT;` : `${alter} SET DEFAULT ${column.default};`);
  }
  if (column.notNull && !column.parentNotNull) changes.push(`${alter} SET NOT NULL;`);
  return changes;
}

const STORAGE = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' } as const;
const COMPRESSION = { p: 'pglz', l: 'lz4' } as const;

/** Per-column settings that CREATE TABLE cannot say: statistics target, storage, compression, options. */
export function columnSettings(table: string, column: Column): string[] {
  const alter = `ALTER TABLE ONLY ${table} ALTER COLUMN ${column.name}`;
  const settings: string[] = [];
  if (column.statistics !== null) settings.push(`${alter} SET STATISTICS ${column.statistics};`);
  if (column.storage !== null) settings.push(`${alter} SET STORAGE ${STORAGE[column.storage]};`);
  if (column.compression !== null) settings.push(`${alter} SET COMPRESSION ${COMPRESSION[column.compression]};`);
  if (column.options && column.options.length > 0) settings.push(`${alter} SET (${column.options.map(reloption).join(', ')});`);
  return settings;
}

/** A `name=value` storage option as WITH (...) accepts it. */
export function reloption(option: string): string {
  const equals = option.indexOf('=');
  if (equals < 0) return option;
  const name = option.slice(0, equals);
  const value = option.slice(equals + 1);
  return /^(?:[a-z_][a-z0-9_]*|-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?)$/.test(value) ? `${name}=${value}` : `${name}='${value.replace(/'/g, "''")}'`;
}
