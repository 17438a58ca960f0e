// Content addresses: definitions, trees and commits are named by sha256.
import { createHash } from 'node:crypto';

export type Tree = ReadonlyMap<string, string>; // object key -> definition hash

export function definitionHash(definition: string): string {
  return createHash('sha256').update(definition).digest('hex');
}

/** sha256 over the sorted (key, definition hash) pairs. */
export function treeHash(tree: Tree): string {
  const hash = createHash('sha256');
  for (const key of [...tree.keys()].sort()) hash.update(`${key}\0${tree.get(key)}\n`);
  return hash.digest('hex');
}

/** sha256 over tree, parents and metadata, in a fixed field order. */
export function commitHash(fields: Readonly<Record<string, unknown>>): string {
  const ordered = Object.keys(fields)
    .sort()
    .map((name) => [name, fields[name] instanceof Date ? (fields[name] as Date).toISOString() : fields[name]]);
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}
