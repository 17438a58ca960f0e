// Object-level difference between two snapshots, by key: an object whose
// definition or dependencies differ has changed. Each list is sorted by key.
import type { SchemaDiff, SchemaObject } from './model.js';

export function sameObject(a: SchemaObject, b: SchemaObject): boolean {
  return (
    a.definition === b.definition &&
    a.dependsOn.length === b.dependsOn.length &&
    a.dependsOn.every((dep, i) => dep === b.dependsOn[i])
  );
}

export function diffObjects(before: readonly SchemaObject[], after: readonly SchemaObject[]): SchemaDiff {
  const old = new Map(before.map((object) => [object.key, object]));
  const now = new Map(after.map((object) => [object.key, object]));
  const byKey = (a: SchemaObject, b: SchemaObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const added = [...now.values()].filter((object) => !old.has(object.key)).sort(byKey);
  const removed = [...old.values()].filter((object) => !now.has(object.key)).sort(byKey);
  const changed = [...now.values()]
    .filter((object) => {
      const previous = old.get(object.key);
      return previous !== undefined && !sameObject(previous, object);
    })
    .sort(byKey)
    .map((object) => ({ before: old.get(object.key)!, after: object }));
  return { added, removed, changed };
}

export function isEmptyDiff(diff: SchemaDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}
