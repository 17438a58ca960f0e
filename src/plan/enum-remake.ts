// An enum that loses a value (or whose values change order): PostgreSQL
// cannot drop an enum value, so the type is renamed out of the way, made
// again under its name, every column of it (or of an array of it) is cast
// over through text, and the old type is dropped last. Tables keep their
// rows; a row that still holds a dropped value makes its cast fail, and the
// whole transaction with it: the DELETES_DATA hazard names those values.
import type { SchemaObject } from '../history/index.js';
import { enumLabels, statementsOf } from './alter-in-place.js';
import { qualifiedName } from './object-sql.js';
import { readTableHead } from './table-columns.js';
import { quoteName } from './undo.js';
import type { Hazard } from './types.js';

/** Labels of `before` that `after` lacks, when both are enums that ADD VALUE cannot turn one into the other. */
export function enumLosses(before: SchemaObject, after: SchemaObject): string[] | undefined {
  if (before.kind !== 'type' || after.kind !== 'type' || before.key !== after.key) return undefined;
  const was = enumLabels(statementsOf(before.definition)[0]?.text ?? '');
  const now = enumLabels(statementsOf(after.definition)[0]?.text ?? '');
  if (!was || !now) return undefined;
  const kept = new Set(now);
  return was.filter((label) => !kept.has(label));
}

/** The name the old type has while the columns move over. */
function retiredName(type: SchemaObject): string {
  return `${quoteName(type.schema!)}.${quoteName(`${type.name.slice(0, 50)}_pggit_old`)}`;
}

export function retireSql(type: SchemaObject): string {
  return `ALTER TYPE ${qualifiedName(type.key)} RENAME TO ${quoteName(`${type.name.slice(0, 50)}_pggit_old`)};`;
}

export function dropRetiredSql(type: SchemaObject): string {
  return `DROP TYPE ${retiredName(type)};`;
}

export function lossHazard(type: SchemaObject, losses: readonly string[]): Hazard {
  const what = losses.length > 0 ? `drops enum value${losses.length > 1 ? 's' : ''} ${losses.join(', ')}` : 'reorders its values';
  return {
    kind: 'DELETES_DATA',
    detail: `${what} of ${qualifiedName(type.key)} (made again, columns cast through text; a row holding a dropped value makes the plan fail)`,
  };
}

/** ALTER COLUMN ... TYPE for each column of `table` (as `to` has it) whose type is the enum or an array of it. */
export function retypeColumns(table: SchemaObject, type: SchemaObject): string[] {
  const head = readTableHead(statementsOf(table.definition)[0]?.text ?? '');
  if (!head) return [];
  const name = qualifiedName(type.key);
  const statements: string[] = [];
  for (const column of head.columns) {
    const array = column.type === `${name}[]`;
    if (column.type !== name && !array) continue;
    const alter = `ALTER TABLE ${qualifiedName(table.key)} ALTER COLUMN ${column.name}`;
    // The old default is of the old type: it cannot follow the column, so it is set again.
    if (column.default !== null) statements.push(`${alter} DROP DEFAULT;`);
    statements.push(`${alter} TYPE ${column.type} USING ${column.name}::${array ? 'text[]' : 'text'}::${column.type};`);
    if (column.default !== null) statements.push(`${alter} SET DEFAULT ${column.default};`);
  }
  return statements;
}
