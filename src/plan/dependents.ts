// What else a plan must drop and make again: whatever depends on a dropped
// object, and what reads the columns of a table whose columns are dropped or
// retyped (views, rules, policies, triggers, functions). Tables are never
// made again for this: a dependency a table no longer has is dropped late,
// after the table was altered, and a table over an enum that is made again
// gets its columns cast over (enum-remake.ts).
import type { SchemaObject } from '../history/index.js';
import type { PlannedSql } from './alter-in-place.js';

/** Kinds that must be made again when a column of their table is dropped or retyped. */
const OVER_COLUMNS = new Set(['view', 'materialized_view', 'rule', 'policy', 'trigger', 'function', 'procedure']);

export interface Sets {
  readonly drops: Set<string>;
  readonly creates: Set<string>;
  readonly alters: Map<string, PlannedSql[]>;
  readonly renamed: Map<string, string>;
  readonly columnsChanged: ReadonlySet<string>;
  readonly toKeyOf: (fromKey: string) => string | undefined;
  /** Enums made again under the same name (from keys): their tables are not dropped. */
  readonly enumRemakes: ReadonlySet<string>;
  /** Filled in: table (from key) -> the remade enums whose columns it must cast over. */
  readonly retyped: Map<string, Set<string>>;
}

/**
 * What else must go: whatever depends on a dropped object is dropped first
 * and made again (unless it is gone from `to` anyway). A table is never
 * made again for a dependency it no longer has in `to`: the dependency is
 * dropped late instead, after the table was altered. Returns the late drops.
 */
export function closeOverDependents(from: ReadonlyMap<string, SchemaObject>, to: ReadonlyMap<string, SchemaObject>, sets: Sets): Set<string> {
  const late = new Set<string>();
  if (sets.drops.size === 0 && sets.columnsChanged.size === 0) return late;
  const dependents = new Map<string, string[]>();
  for (const object of from.values()) {
    for (const dep of object.dependsOn) {
      let list = dependents.get(dep);
      if (!list) dependents.set(dep, (list = []));
      list.push(object.key);
    }
  }
  const remake = (key: string, queue: string[]): void => {
    if (sets.drops.has(key)) return;
    sets.drops.add(key);
    const toKey = sets.toKeyOf(key);
    if (toKey !== undefined) {
      sets.creates.add(toKey);
      sets.alters.delete(toKey);
    }
    sets.renamed.delete(key);
    queue.push(key);
  };
  const queue: string[] = [];
  for (const table of sets.columnsChanged) {
    for (const key of dependents.get(table) ?? []) if (OVER_COLUMNS.has(from.get(key)!.kind)) remake(key, queue);
  }
  queue.push(...sets.drops);
  while (queue.length > 0) {
    const key = queue.pop()!;
    for (const dependent of dependents.get(key) ?? []) {
      if (sets.drops.has(dependent)) continue;
      const object = from.get(dependent)!;
      const toKey = sets.toKeyOf(dependent);
      const after = toKey === undefined ? undefined : to.get(toKey);
      const stillNeeds = after?.dependsOn.includes(sets.toKeyOf(key) ?? key) === true;
      if (object.kind === 'table' && after && sets.enumRemakes.has(key)) {
        let types = sets.retyped.get(dependent);
        if (!types) {
          sets.retyped.set(dependent, (types = new Set()));
          for (const over of dependents.get(dependent) ?? []) if (OVER_COLUMNS.has(from.get(over)!.kind)) remake(over, queue);
        }
        types.add(key);
        continue;
      }
      if (object.kind === 'table' && after && !stillNeeds && sets.toKeyOf(key) === undefined) {
        late.add(key);
        continue;
      }
      remake(dependent, queue);
    }
  }
  // What a late drop lives in must wait for it too.
  const pending = [...late];
  while (pending.length > 0) {
    for (const dep of from.get(pending.pop()!)!.dependsOn) {
      if (sets.drops.has(dep) && !late.has(dep) && sets.toKeyOf(dep) === undefined) {
        late.add(dep);
        pending.push(dep);
      }
    }
  }
  return late;
}
