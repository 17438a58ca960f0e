// Column-by-column ALTER TABLE between two versions of a table's CREATE
// statement with the same shape: drops, then changes, then additions (which
// PostgreSQL appends at the end: a column added in the middle of the target
// lands last, the one difference ALTER TABLE cannot express without copying
// the table). Renamed columns (known from identities) are compared with
// their new name. Undefined when the shape differs.
import type { TableColumn, TableHead } from './table-columns.js';

/** The columns after the same changes reach a partition through its parent. */
export function applyParentChanges(parentFrom: TableHead, parentTo: TableHead, child: readonly TableColumn[]): TableColumn[] {
  const before = new Map(parentFrom.columns.map((c) => [c.name, c]));
  const after = new Map(parentTo.columns.map((c) => [c.name, c]));
  const result: TableColumn[] = [];
  for (const column of child) {
    const old = before.get(column.name);
    const now = after.get(column.name);
    if (old && !now) continue; // dropped through the parent
    if (old && now) {
      result.push({
        ...column,
        type: column.type === old.type ? now.type : column.type,
        default: column.default === old.default ? now.default : column.default,
        notNull: column.notNull === old.notNull ? now.notNull : column.notNull,
      });
    } else result.push(column);
  }
  const names = new Set(child.map((c) => c.name));
  for (const column of parentTo.columns) if (!before.has(column.name) && !names.has(column.name)) result.push(column);
  return result;
}

const EMPTY_OPTIONS = (name: string): TableColumn => ({ name, text: `${name} WITH OPTIONS`, type: 'WITH OPTIONS', default: null, generated: null, notNull: false, identity: null });

export function alterColumns(table: string, from: readonly TableColumn[], to: TableHead, renamed: ReadonlyMap<string, string> = new Map()): string[] {
  const alter = `ALTER TABLE ${table}`;
  const old = new Map(from.map((c) => [renamed.get(c.name) ?? c.name, c]));
  const now = new Map(to.columns.map((c) => [c.name, c]));
  if (to.typed) {
    for (const name of old.keys()) if (!now.has(name)) now.set(name, EMPTY_OPTIONS(name));
    for (const name of now.keys()) if (!old.has(name)) old.set(name, EMPTY_OPTIONS(name));
  }
  const drops: string[] = [];
  const changes: string[] = [];
  const adds: string[] = [];
  for (const [name, column] of old) if (!now.has(name)) drops.push(`${alter} DROP COLUMN ${name};`);
  for (const column of to.columns.length > 0 || !to.typed ? [...now.values()] : []) {
    const before = old.get(column.name);
    if (!before) {
      adds.push(`${alter} ADD COLUMN ${column.text};`);
      continue;
    }
    const col = `${alter} ALTER COLUMN ${column.name}`;
    if (before.generated !== column.generated) {
      // A stored generated expression cannot be altered (before PostgreSQL 17): the column is made again.
      drops.push(`${alter} DROP COLUMN ${column.name};`);
      adds.push(`${alter} ADD COLUMN ${column.text};`);
      continue;
    }
    const retyped = before.type !== column.type;
    const identityChanged = before.identity !== column.identity;
    if (before.default !== null && (before.default !== column.default || retyped)) changes.push(`${col} DROP DEFAULT;`);
    if (identityChanged && before.identity !== null) changes.push(`${col} DROP IDENTITY;`);
    if (retyped) {
      changes.push(`${col} TYPE ${column.type}${usingClause(column.name, before.type, column.type)};`);
    }
    if (column.default !== null && (before.default !== column.default || retyped)) changes.push(`${col} SET DEFAULT ${column.default};`);
    if (before.notNull !== column.notNull) {
      changes.push(`${col} ${column.notNull ? 'SET' : 'DROP'} NOT NULL;`);
    }
    if (identityChanged && column.identity !== null) changes.push(`${col} ADD ${column.identity};`);
  }
  return [...drops, ...changes, ...adds];
}

const bareType = (type: string): string => type.replace(/\s+COLLATE\s+.*$/is, '');
const baseName = (type: string): string => bareType(type).replace(/\(.*?\)/g, '');

/**
 * No USING when only the length or precision changes (so a widening stays
 * binary-compatible and skips the rewrite); between user types (enums,
 * domains) through text; else a plain cast.
 */
function usingClause(column: string, before: string, after: string): string {
  if (baseName(before) === baseName(after)) return '';
  const user = /\./.test(bareType(before)) || /\./.test(bareType(after));
  return user ? ` USING ${column}::text::${bareType(after)}` : ` USING ${column}::${bareType(after)}`;
}
