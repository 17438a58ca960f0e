// One scoped read taken for several scopes at once (snapshot.ts: readScopes)
// handed back as the read each scope would have had in that snapshot.
//
// A scoped read returns what its roots (the qualified names it resolved to)
// and keys name, plus what is reachable from them over pg_depend (closure.ts).
// Every such edge between two objects read is also in their dependsOn
// (dependencies.ts reads the pg_depend rows of every object read), so the
// objects of the combined read fall into groups connected by dependsOn, and
// an object that one scope's own read would return lies in a group holding
// an object that scope names (by root or key). A group named by exactly one
// scope is that scope's, whole; nothing else of it can be any other scope's.
// When a group is named by two scopes (two commits changed related objects)
// or by none (it was reached over an edge that dependsOn does not show),
// the objects cannot be told apart: the caller reads each scope on its own.
import { coveredKeys } from './coverage.js';
import type { SchemaObject, ScopeRoot, ScopedRead } from './model.js';

/** What one scope asked for: its resolved roots and its exact keys. */
export interface ScopePart {
  readonly roots: readonly ScopeRoot[];
  readonly keys: readonly string[];
}

/** Each part's read out of `objects` (the combined read), or undefined when they cannot be told apart. */
export function splitRead(objects: readonly SchemaObject[], parts: readonly ScopePart[]): ScopedRead[] | undefined {
  const groups = new Groups(objects.length);
  const index = new Map(objects.map((object, i) => [object.key, i]));
  objects.forEach((object, i) => {
    for (const target of object.dependsOn) {
      const j = index.get(target);
      if (j !== undefined) groups.join(i, j);
    }
  });
  const keys = objects.map((object) => object.key);
  const owner = new Map<number, number>();
  for (const [part, { roots, keys: asked }] of parts.entries()) {
    for (const key of coveredKeys({ objects: [], roots, keys: asked }, keys)) {
      const group = groups.find(index.get(key)!);
      const claimed = owner.get(group);
      if (claimed !== undefined && claimed !== part) return undefined;
      owner.set(group, part);
    }
  }
  const split: SchemaObject[][] = parts.map(() => []);
  for (const [i, object] of objects.entries()) {
    const part = owner.get(groups.find(i));
    if (part === undefined) return undefined;
    split[part]!.push(object);
  }
  return parts.map((part, i) => ({ objects: split[i]!, roots: part.roots, keys: part.keys }));
}

/** Union-find over object positions. */
class Groups {
  private readonly parent: number[];

  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
  }

  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[i] !== root) [this.parent[i], i] = [root, this.parent[i]!];
    return root;
  }

  join(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }
}
