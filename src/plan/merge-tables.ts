// A table changed on both sides merges column by column: columns are
// matched by identity (attnum, so a rename on one side is the same column),
// each column takes the side that changed it, and the statements after the
// CREATE (grants, settings) merge as sets, except those that set a value a
// table has only one of (a comment per table or column, the owner), which
// merge per value. Both sides changing one column or one such value
// differently, two columns ending up with one name, or both sides changing
// the table's shape (PARTITION BY, INHERITS, options), is a conflict with
// its kind.
import { statementsOf } from './alter-in-place.js';
import { readTableHead, type TableColumn } from './table-columns.js';

export type TableConflictKind = 'modify/modify' | 'modify/delete' | 'delete/modify' | 'rename/rename' | 'column-type' | 'partition-key';

export interface TableSide {
  readonly definition: string;
  /** Column name -> identity; without identities, the name. */
  readonly columnIds: ReadonlyMap<string, string>;
}

export type TableMerge =
  | { readonly definition: string; readonly columnIds: Map<string, string> }
  | { readonly conflict: TableConflictKind; readonly detail: string };

interface Cut {
  readonly create: string;
  readonly shape: string;
  readonly columns: readonly TableColumn[];
  readonly rest: readonly string[];
}

function cut(definition: string): Cut | undefined {
  const statements = statementsOf(definition).map((statement) => statement.text);
  const create = statements[0];
  const head = create === undefined ? undefined : readTableHead(create);
  if (!head || head.typed || !create!.includes('(')) return undefined;
  return { create: create!, shape: head.shape, columns: head.columns, rest: statements.slice(1) };
}

/** A column's definition without its name, for comparing across renames. */
const body = (column: TableColumn): string => column.text.slice(column.name.length);

const partitionKey = (shape: string): string => /PARTITION BY .*/.exec(shape)?.[0] ?? '';

interface ColumnUnit {
  base?: TableColumn;
  ours?: TableColumn;
  theirs?: TableColumn;
}

function units(base: Cut, ours: Cut, theirs: Cut, sides: readonly [TableSide, TableSide, TableSide]): Map<string, ColumnUnit> {
  const found = new Map<string, ColumnUnit>();
  const add = (columns: readonly TableColumn[], side: TableSide, slot: keyof ColumnUnit): void => {
    for (const column of columns) {
      const id = side.columnIds.get(column.name) ?? `name:${column.name}`;
      const unit = found.get(id) ?? {};
      unit[slot] = column;
      found.set(id, unit);
    }
  };
  add(base.columns, sides[0], 'base');
  add(ours.columns, sides[1], 'ours');
  add(theirs.columns, sides[2], 'theirs');
  return found;
}

/**
 * What a statement after the CREATE sets: two statements with one key set
 * the same thing (a table has one comment, each column one, and one owner),
 * so they merge as a value; any other statement is its own key (a set).
 */
function settingOf(statement: string): string {
  const comment = /^COMMENT ON (.+?) IS /s.exec(statement);
  if (comment) return `comment on ${comment[1]}`;
  if (/^ALTER (?:TABLE|FOREIGN TABLE) .+ OWNER TO /s.test(statement)) return 'owner';
  return statement;
}

/** Base/ours/theirs statements -> merged list (ours' order, then what theirs added), or what both sides set differently. */
function mergeRest(base: readonly string[], ours: readonly string[], theirs: readonly string[]): string[] | { readonly clash: string } {
  const [b, o, t] = [base, ours, theirs].map((list) => new Map(list.map((statement) => [settingOf(statement), statement])));
  const merged: string[] = [];
  for (const key of new Set([...o!.keys(), ...t!.keys()])) {
    const [was, mine, other] = [b!.get(key), o!.get(key), t!.get(key)];
    if (mine !== other && mine !== was && other !== was) return { clash: key };
    const taken = mine === was ? other : mine;
    if (taken !== undefined) merged.push(taken);
  }
  return merged;
}

export function mergeTable(baseSide: TableSide, oursSide: TableSide, theirsSide: TableSide): TableMerge {
  const [base, ours, theirs] = [cut(baseSide.definition), cut(oursSide.definition), cut(theirsSide.definition)];
  if (!base || !ours || !theirs) return { conflict: 'modify/modify', detail: 'the table cannot be merged column by column' };
  let shape = ours.shape;
  if (ours.shape !== theirs.shape && ours.shape !== base.shape) {
    if (theirs.shape !== base.shape) {
      const kind = partitionKey(ours.shape) !== partitionKey(theirs.shape) && partitionKey(ours.shape) !== partitionKey(base.shape) && partitionKey(theirs.shape) !== partitionKey(base.shape) ? 'partition-key' : 'modify/modify';
      return { conflict: kind, detail: 'both sides changed the table itself' };
    }
  } else if (ours.shape === base.shape) shape = theirs.shape;
  const columns: TableColumn[] = [];
  const columnIds = new Map<string, string>();
  const appended: TableColumn[] = [];
  for (const [id, unit] of units(base, ours, theirs, [baseSide, oursSide, theirsSide])) {
    const { base: b, ours: o, theirs: t } = unit;
    const name = (column: TableColumn | undefined): string | undefined => column?.name;
    let taken: TableColumn | undefined;
    if (!b) taken = o && t ? (body(o) === body(t) && o.name === t.name ? o : undefined) : (o ?? t);
    else if (!o || !t) {
      const other = o ?? t;
      if (other && body(other) !== body(b)) return { conflict: o ? 'modify/delete' : 'delete/modify', detail: `column ${b.name}: dropped on one side, changed on the other` };
      taken = undefined;
    } else {
      const newName = o.name !== b.name && t.name !== b.name && o.name !== t.name ? null : o.name !== b.name ? o.name : t.name;
      if (newName === null) return { conflict: 'rename/rename', detail: `column ${b.name} renamed to ${o.name} and to ${t.name}` };
      const text = body(o) === body(t) || body(t) === body(b) ? body(o) : body(o) === body(b) ? body(t) : null;
      if (text === null) {
        const retyped = o.type !== b.type && t.type !== b.type && o.type !== t.type;
        return { conflict: retyped ? 'column-type' : 'modify/modify', detail: `column ${b.name} changed on both sides` };
      }
      taken = { ...o, name: newName, text: `${newName}${text}` };
    }
    if (!b && o && t && !taken) return { conflict: 'modify/modify', detail: `column ${o.name} added on both sides with different definitions` };
    if (!taken) continue;
    columnIds.set(taken.name, id);
    if (!o && name(t) !== undefined) appended.push(taken);
    else columns.push(taken);
  }
  // Two columns of one name (added on both sides, or one side's rename onto the other's addition).
  const seen = new Map<string, TableColumn>();
  for (const column of [...columns, ...appended]) {
    const same = seen.get(column.name);
    if (same && body(same) !== body(column)) return { conflict: 'modify/modify', detail: `column ${column.name} added on both sides with different definitions` };
    seen.set(column.name, column);
  }
  const once = (column: TableColumn, index: number, list: readonly TableColumn[]): boolean => list.findIndex((other) => other.name === column.name) === index;
  // Units come in base, then ours, then theirs order: ours' columns first, in ours' order.
  const order = new Map(ours.columns.map((column, index) => [column.name, index]));
  columns.sort((a, b) => (order.get(a.name) ?? Infinity) - (order.get(b.name) ?? Infinity));
  const all = [...columns, ...appended].filter(once);
  const open = ours.create.indexOf('(');
  const close = closingParen(ours.create, open);
  const list = all.length === 0 ? '' : `\n    ${all.map((column) => column.text).join(',\n    ')}\n`;
  const tail = shape === ours.shape ? ours.create.slice(close) : theirs.create.slice(closingParen(theirs.create, theirs.create.indexOf('(')));
  const create = `${ours.create.slice(0, open + 1)}${list}${tail}`;
  const rest = mergeRest(base.rest, ours.rest, theirs.rest);
  if ('clash' in rest) return { conflict: 'modify/modify', detail: `both sides set the ${rest.clash} differently` };
  return { definition: [create, ...rest].map((statement) => `${statement};`).join('\n'), columnIds };
}

function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth += 1;
    else if (ch === ')' && --depth === 0) return i;
  }
  return text.length - 1;
}
