// Three trees -> one: per object key, the side that changed it relative to
// the base, or both when they agree, or a conflict with its kind. Revert is
// this with base = the commit, ours = the branch head, theirs = the
// commit's first parent: what the commit changed goes back unless a later
// commit changed the same object again.
import { sameObject, type SchemaObject } from '../history/index.js';
import type { Schema } from './planner.js';

export type ConflictKind =
  | 'add/add'
  | 'modify/modify'
  | 'modify/delete'
  | 'delete/modify'
  // merge only (three-way.ts): identities, references and the kinds of change PostgreSQL cannot combine
  | 'rename/rename'
  | 'name-taken'
  | 'dangling-reference'
  | 'enum-labels'
  | 'column-type'
  | 'primary-key'
  | 'partition-key';

export interface Conflict {
  readonly key: string;
  readonly kind: ConflictKind;
  readonly base: SchemaObject | null;
  readonly ours: SchemaObject | null;
  readonly theirs: SchemaObject | null;
}

export interface MergeResult {
  /** The merged tree; for a conflicting key, ours. */
  readonly target: SchemaObject[];
  readonly conflicts: Conflict[];
}

function toMap(schema: Schema): Map<string, SchemaObject> {
  const list = Array.isArray(schema) ? (schema as readonly SchemaObject[]) : (schema as { values(): SchemaObject[] }).values();
  return new Map(list.map((object) => [object.key, object]));
}

const same = (a: SchemaObject | undefined, b: SchemaObject | undefined): boolean => (a === undefined || b === undefined ? a === b : sameObject(a, b));

function conflictKind(base: SchemaObject | undefined, ours: SchemaObject | undefined, theirs: SchemaObject | undefined): ConflictKind {
  if (base === undefined) return 'add/add';
  if (theirs === undefined) return 'modify/delete';
  if (ours === undefined) return 'delete/modify';
  return 'modify/modify';
}

export function mergeTrees(baseSchema: Schema, oursSchema: Schema, theirsSchema: Schema): MergeResult {
  const base = toMap(baseSchema);
  const ours = toMap(oursSchema);
  const theirs = toMap(theirsSchema);
  const target: SchemaObject[] = [];
  const conflicts: Conflict[] = [];
  for (const key of [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].sort()) {
    const b = base.get(key);
    const o = ours.get(key);
    const t = theirs.get(key);
    let taken: SchemaObject | undefined;
    if (same(o, t) || same(b, t)) taken = o;
    else if (same(b, o)) taken = t;
    else {
      conflicts.push({ key, kind: conflictKind(b, o, t), base: b ?? null, ours: o ?? null, theirs: t ?? null });
      taken = o;
    }
    if (taken !== undefined) target.push(taken);
  }
  return { target, conflicts };
}
