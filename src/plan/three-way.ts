// mergeSchemas: the three-way merge of schema trees for `pggit merge`.
// Objects are followed through renames by identity (merge-names.ts), each
// takes the side that changed it, a table changed on both sides merges
// column by column (merge-tables.ts), and what cannot be decided is a
// conflict with a kind. A resolution per conflict key (ours, theirs, or a
// definition) settles it. The result is the target tree plus the
// identities diff(ours, target) needs to keep renames renames.
import type { SchemaObject } from '../history/index.js';
import type { Conflict, ConflictKind } from './merge.js';
import { mentionsColumn, renamesFrom, SideRewriter, unitsOf, type Unit } from './merge-names.js';
import { mergeTable, type TableSide } from './merge-tables.js';
import type { Schema } from './planner.js';
import { readTableHead } from './table-columns.js';
import { statementsOf } from './alter-in-place.js';
import type { Identities, SideIdentities } from './types.js';

export type MergeResolution = { readonly take: 'ours' | 'theirs' } | { readonly sql: string };

export interface ThreeWayInput {
  readonly base: Schema;
  readonly ours: Schema;
  readonly theirs: Schema;
  /** Identities with aliases resolved, so one object has one identity on every side. */
  readonly identities?: { readonly base: SideIdentities; readonly ours: SideIdentities; readonly theirs: SideIdentities } | undefined;
  readonly resolutions?: ReadonlyMap<string, MergeResolution> | undefined;
}

export interface MergeConflict extends Conflict {
  readonly detail: string;
  readonly resolution: MergeResolution | null;
}

export interface ThreeWayResult {
  readonly target: SchemaObject[];
  readonly conflicts: MergeConflict[];
  /** For diff(ours, target): renames stay renames. */
  readonly identities: Identities;
  /** The identity (and per table, column identities by name) of each target object. */
  readonly targetIdentities: SideIdentities;
}

interface Decided {
  unit: Unit;
  key: string;
  base?: SchemaObject | undefined;
  ours?: SchemaObject | undefined;
  theirs?: SchemaObject | undefined;
  taken?: SchemaObject | undefined;
  columns?: Map<string, string>;
  changedBy: Set<'ours' | 'theirs'>;
  conflict?: { kind: ConflictKind; detail: string } | undefined;
  /** What a resolution taking a side puts in the target, where that is more than the side's object. */
  onResolve?: ((take: 'ours' | 'theirs') => SchemaObject[]) | undefined;
}

function byKey(schema: Schema): Map<string, SchemaObject> {
  const list = Array.isArray(schema) ? (schema as readonly SchemaObject[]) : (schema as { values(): SchemaObject[] }).values();
  return new Map(list.map((object) => [object.key, object]));
}

const same = (a: SchemaObject | undefined, b: SchemaObject | undefined): boolean => (a === undefined || b === undefined ? a === b : a.definition === b.definition);
const isEnum = (object: SchemaObject): boolean => object.kind === 'type' && /\bAS ENUM\b/.test(object.definition);
const isPrimaryKey = (object: SchemaObject): boolean => object.kind === 'constraint' && /\bPRIMARY KEY\b/.test(object.definition.split('\n', 1)[0]!);
const OVER_TABLE = new Set(['view', 'materialized_view', 'index', 'constraint', 'trigger', 'policy', 'rule']);

function plainKind(base?: SchemaObject, ours?: SchemaObject, theirs?: SchemaObject): ConflictKind {
  const any = (ours ?? theirs)!;
  if (ours && theirs && isPrimaryKey(ours) && isPrimaryKey(theirs)) return 'primary-key';
  if (base === undefined) return 'add/add';
  if (theirs === undefined) return 'modify/delete';
  if (ours === undefined) return 'delete/modify';
  if (isEnum(any)) return 'enum-labels';
  if (isPrimaryKey(any)) return 'primary-key';
  return 'modify/modify';
}

export function mergeSchemas(input: ThreeWayInput): ThreeWayResult {
  const base = byKey(input.base);
  const ours = byKey(input.ours);
  const theirs = byKey(input.theirs);
  const ids = input.identities;
  const renamed = { ours: renamesFrom(base, ours, ids?.base, ids?.ours), theirs: renamesFrom(base, theirs, ids?.base, ids?.theirs) };
  const units = unitsOf(base, ours, theirs, renamed);

  // Rewriters into the merge's names: each side learns the other's renames.
  const sideToTarget = { base: new Map<string, string>(), ours: new Map<string, string>(), theirs: new Map<string, string>() };
  for (const unit of units) {
    if (unit.target === null) continue;
    for (const side of ['base', 'ours', 'theirs'] as const) if (unit[side] !== undefined && unit[side] !== unit.target) sideToTarget[side].set(unit[side]!, unit.target);
  }
  const columnRenames = (set: typeof renamed.ours, sideMap: Map<string, string>): Map<string, Map<string, string>> =>
    new Map([...set.columns].map(([table, names]) => [sideMap.get(table) ?? table, names]));
  const oursColumns = columnRenames(renamed.ours, sideToTarget.ours);
  const theirsColumns = columnRenames(renamed.theirs, sideToTarget.theirs);
  const rewrite = {
    base: new SideRewriter(sideToTarget.base, new Map([...oursColumns, ...theirsColumns])),
    ours: new SideRewriter(sideToTarget.ours, theirsColumns),
    theirs: new SideRewriter(sideToTarget.theirs, oursColumns),
  };

  const decided: Decided[] = units.map((unit) => decide(unit));
  function decide(unit: Unit): Decided {
    const b = unit.base === undefined ? undefined : rewrite.base.object(base.get(unit.base)!);
    const o = unit.ours === undefined ? undefined : rewrite.ours.object(ours.get(unit.ours)!);
    const t = unit.theirs === undefined ? undefined : rewrite.theirs.object(theirs.get(unit.theirs)!);
    const key = unit.target ?? unit.base!;
    const changedBy = new Set<'ours' | 'theirs'>();
    if (!same(b, o) || (unit.ours !== undefined && unit.ours !== unit.base)) changedBy.add('ours');
    if (!same(b, t) || (unit.theirs !== undefined && unit.theirs !== unit.base)) changedBy.add('theirs');
    const result: Decided = { unit, key, base: b, ours: o, theirs: t, changedBy };
    if (unit.target === null) {
      result.taken = o;
      result.conflict = { kind: 'rename/rename', detail: `renamed to ${unit.ours} and to ${unit.theirs}` };
    } else if (same(o, t) || same(b, t)) result.taken = o;
    else if (same(b, o)) result.taken = t;
    else if (b && o && t && b.kind === 'table') {
      const merged = mergeTable(tableSide(b, 'base', unit.base!), tableSide(o, 'ours', unit.ours!), tableSide(t, 'theirs', unit.theirs!));
      result.taken = o;
      if ('conflict' in merged) result.conflict = { kind: merged.conflict, detail: merged.detail };
      else {
        result.taken = { ...o, definition: merged.definition, dependsOn: [...new Set([...o.dependsOn, ...t.dependsOn])].sort() };
        result.columns = merged.columnIds;
      }
    } else {
      result.taken = o;
      result.conflict = { kind: plainKind(b, o, t), detail: b === undefined ? 'added on both sides with different definitions' : 'changed on both sides' };
    }
    return result;
  }
  function tableSide(object: SchemaObject, side: 'base' | 'ours' | 'theirs', key: string): TableSide {
    return { definition: object.definition, columnIds: columnIdsOf(ids?.[side], key, object) };
  }

  nameTaken(decided, theirs);
  danglingReferences(decided, { base, ours, theirs }, rewrite, ids);

  const conflicts: MergeConflict[] = [];
  const target: SchemaObject[] = [];
  const placed = new Map<string, Decided>();
  for (const item of decided) {
    let taken = item.taken ? [item.taken] : [];
    if (item.conflict) {
      const resolution = input.resolutions?.get(item.key) ?? null;
      conflicts.push({ key: item.key, kind: item.conflict.kind, detail: item.conflict.detail, base: item.base ?? null, ours: item.ours ?? null, theirs: item.theirs ?? null, resolution });
      if (resolution) taken = 'take' in resolution && item.onResolve ? item.onResolve(resolution.take) : resolved(item, resolution);
      delete item.columns;
    }
    for (const object of taken) {
      if (placed.has(object.key)) continue;
      placed.set(object.key, item);
      target.push(object);
    }
  }
  const targetIdentities = identitiesOf(placed, ids);
  return { target, conflicts: conflicts.sort((a, b) => a.key.localeCompare(b.key)), identities: ids ? { from: ids.ours, to: targetIdentities } : {}, targetIdentities };
}

function resolved(item: Decided, resolution: MergeResolution): SchemaObject[] {
  const taken = 'take' in resolution ? (resolution.take === 'ours' ? item.ours : item.theirs) : undefined;
  if ('take' in resolution) return taken ? [taken] : [];
  const like = (item.ours ?? item.theirs ?? item.base)!;
  return resolution.sql.trim() === '' ? [] : [{ ...like, key: item.key, definition: resolution.sql.trim() }];
}

/** Column name -> identity on one side (the name itself without identities). */
function columnIdsOf(side: SideIdentities | undefined, key: string, object: SchemaObject): Map<string, string> {
  const known = side?.columns?.get(key);
  if (known) return new Map(known);
  const head = readTableHead(statementsOf(object.definition)[0]?.text ?? '');
  return new Map((head?.columns ?? []).map((column) => [column.name, `name:${column.name}`]));
}

/**
 * Two objects that end up under one name (one side renamed into a name the
 * other side gave a new object). Taking a side gives the name to that
 * side's object; the other object stays as that side has it.
 */
function nameTaken(decided: Decided[], theirsTree: ReadonlyMap<string, SchemaObject>): void {
  const byTarget = new Map<string, Decided[]>();
  for (const item of decided) if (item.taken || item.theirs) byTarget.set(item.key, [...(byTarget.get(item.key) ?? []), item]);
  for (const [key, items] of byTarget) {
    if (items.length < 2) continue;
    const [first, ...others] = items;
    const oursObject = items.find((item) => item.unit.ours !== undefined)?.ours;
    const theirsObject = items.find((item) => item.unit.theirs === key)?.theirs;
    const movedByOurs = items.filter((item) => item.unit.theirs !== undefined && item.unit.theirs !== key).map((item) => theirsTree.get(item.unit.theirs!)!);
    first!.ours = oursObject;
    first!.theirs = theirsObject;
    first!.base = items.find((item) => item.base)?.base;
    first!.taken = oursObject;
    first!.conflict = { kind: 'name-taken', detail: `${key} names different objects on the two sides` };
    first!.onResolve = (take) =>
      take === 'ours'
        ? (oursObject ? [oursObject] : [])
        : [...(theirsObject ? [theirsObject] : []), ...movedByOurs];
    for (const other of others) (other.taken = undefined), (other.conflict = undefined), (other.theirs = undefined);
  }
}

/**
 * An object one side added or changed that needs something the other side
 * dropped: an object it depends on, or a column of its table (dropped or
 * retyped) that its definition names.
 */
function danglingReferences(
  decided: Decided[],
  trees: Record<'base' | 'ours' | 'theirs', Map<string, SchemaObject>>,
  rewrite: Record<'ours' | 'theirs', { object(object: SchemaObject): SchemaObject }>,
  ids: ThreeWayInput['identities'],
): void {
  const present = new Set(decided.filter((item) => item.taken || item.conflict).map((item) => item.key));
  const lostColumns = { ours: new Map<string, Set<string>>(), theirs: new Map<string, Set<string>>() };
  for (const item of decided) {
    if (!item.base || item.base.kind !== 'table' || item.conflict) continue;
    for (const side of ['ours', 'theirs'] as const) {
      const now = item[side];
      if (!now || !item.changedBy.has(side)) continue;
      const before = new Map([...columnIdsOf(ids?.base, item.unit.base!, item.base)].map(([name, id]) => [id, name]));
      const after = new Map([...columnIdsOf(ids?.[side], item.unit[side]!, now)].map(([name, id]) => [id, name]));
      const beforeCols = new Map((readTableHead(statementsOf(item.base.definition)[0]?.text ?? '')?.columns ?? []).map((c) => [c.name, c.type]));
      const afterCols = new Map((readTableHead(statementsOf(now.definition)[0]?.text ?? '')?.columns ?? []).map((c) => [c.name, c.type]));
      const lost = new Set<string>();
      for (const [id, name] of before) {
        const nowName = after.get(id);
        if (nowName === undefined || afterCols.get(nowName) !== beforeCols.get(name)) lost.add(name);
      }
      if (lost.size > 0) lostColumns[side].set(item.key, lost);
    }
  }
  for (const item of decided) {
    if (item.conflict || !item.taken) continue;
    const sides = [...item.changedBy];
    if (sides.length !== 1) continue;
    const side = sides[0]!;
    const other = side === 'ours' ? 'theirs' : 'ours';
    const object = item[side]!;
    const original = trees[side].get(item.unit[side]!)!;
    const missing = object.dependsOn.findIndex((dep, i) => !present.has(dep) && trees[side].has(original.dependsOn[i]!));
    let detail = missing < 0 ? undefined : `needs ${object.dependsOn[missing]}, which the ${other} side dropped`;
    // Taking the side that added the reference keeps what it needs.
    if (missing >= 0) {
      const needed = rewrite[side].object(trees[side].get(original.dependsOn[missing]!)!);
      const otherObject = item[other];
      item.onResolve = (take) => (take === side ? [object, needed] : otherObject ? [otherObject] : []);
    }
    if (detail === undefined && OVER_TABLE.has(object.kind)) {
      for (const dep of object.dependsOn) {
        const column = [...(lostColumns[other].get(dep) ?? [])].find((name) => mentionsColumn(object.definition.replace(/^\S+ \S+ \S+/, ''), name));
        if (column !== undefined) detail = `uses column ${column} of ${dep}, which the ${other} side dropped or retyped`;
      }
    }
    if (detail !== undefined) item.conflict = { kind: 'dangling-reference', detail };
    if (detail !== undefined) item.taken = item.ours;
  }
}

function identitiesOf(placed: ReadonlyMap<string, Decided>, ids: ThreeWayInput['identities']): SideIdentities {
  const objects = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  if (!ids) return { objects, columns };
  for (const [key, item] of placed) {
    const from = item.unit.ours !== undefined ? ids.ours.objects.get(item.unit.ours) : item.unit.theirs !== undefined ? ids.theirs.objects.get(item.unit.theirs) : undefined;
    if (from !== undefined) objects.set(key, from);
    if (item.columns) columns.set(key, item.columns);
    else {
      const side = item.taken === item.theirs && item.unit.theirs !== undefined ? 'theirs' : 'ours';
      const known = item.unit[side] === undefined ? undefined : ids[side].columns?.get(item.unit[side]!);
      if (known) columns.set(key, new Map(known));
    }
  }
  return { objects, columns };
}
