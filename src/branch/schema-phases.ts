// A schema split the way pg_restore splits a dump: what must exist before
// the rows go in (schemas, types, functions, tables, sequences, views), and
// what is built after them (indexes and constraints, which are cheaper to
// build once than to maintain row by row; triggers and rules, which must
// not fire for copied rows; policies, materialized views, event triggers).
// Anything that depends on an object built after the rows comes after them
// too (a view that groups by a primary key needs the key).
import type { ObjectKind } from '../history/index.js';

export interface PhasedObject {
  readonly key: string;
  readonly kind: ObjectKind;
  readonly definition: string;
  readonly dependsOn: readonly string[];
}

export interface SchemaPhases<T extends PhasedObject> {
  /** In replay order. */
  readonly preData: T[];
  /** In replay order; dependencies among them are in dependsOn. */
  readonly postData: T[];
}

const POST_DATA_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>([
  'index',
  'constraint',
  'trigger',
  'rule',
  'policy',
  'statistics',
  'materialized_view',
  'event_trigger',
]);

/** objects in replay order (dependencies first), as schemaAt returns them. */
export function splitSchema<T extends PhasedObject>(objects: readonly T[]): SchemaPhases<T> {
  const after = new Set<string>();
  for (const object of objects) {
    if (POST_DATA_KINDS.has(object.kind) || object.dependsOn.some((key) => after.has(key))) after.add(object.key);
  }
  return {
    preData: objects.filter((object) => !after.has(object.key)),
    postData: objects.filter((object) => after.has(object.key)),
  };
}
