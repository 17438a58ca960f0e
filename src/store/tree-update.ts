// Applying a commit's changes to a head's tree and its hasher: what really
// changed (key -> definition hash, null when removed) and the new texts.
import { definitionHash, type TreeHasher } from './hashing.js';
import type { TreeChanges } from './types.js';

export interface TreeUpdate {
  /** Only the keys whose definition hash differs from the tree's. */
  readonly effective: Map<string, string | null>;
  /** [hash, text] of every definition the update adds. */
  readonly definitions: Array<[string, string]>;
}

export function applyChanges(tree: Map<string, string>, hasher: TreeHasher, changes: TreeChanges): TreeUpdate {
  const effective = new Map<string, string | null>();
  const definitions: Array<[string, string]> = [];
  for (const [key, definition] of changes) {
    const hash = definition === null ? null : definitionHash(definition);
    if ((tree.get(key) ?? null) === hash) continue;
    effective.set(key, hash);
    if (hash === null) {
      tree.delete(key);
      hasher.delete(key);
    } else {
      tree.set(key, hash);
      hasher.set(key, hash);
      definitions.push([hash, definition!]);
    }
  }
  return { effective, definitions };
}
