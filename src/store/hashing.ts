// Content addresses: definitions, trees and commits are named by sha256.
import { createHash } from 'node:crypto';

export type Tree = ReadonlyMap<string, string>; // object key -> definition hash

export function definitionHash(definition: string): string {
  return createHash('sha256').update(definition).digest('hex');
}

const BUCKETS = 256;

/**
 * A tree's hash, kept up to date as entries change: the entries fall into
 * 256 buckets by FNV-1a of the key; a bucket's hash is sha256
 * over its sorted "key\0definition hash\n" lines, the tree's is sha256 over
 * the non-empty buckets' "index\0bucket hash\n". A change rehashes one small
 * bucket and the 256 bucket hashes, not the whole tree: O(change) per commit.
 */
export class TreeHasher {
  private readonly buckets = Array.from({ length: BUCKETS }, () => new Map<string, string>());
  private readonly bucketHashes: Array<string | undefined> = new Array(BUCKETS).fill(undefined);
  private readonly dirty = new Set<number>();

  constructor(tree: Tree = new Map()) {
    for (const [key, hash] of tree) this.set(key, hash);
  }

  set(key: string, hash: string): void {
    const bucket = bucketOf(key);
    this.buckets[bucket]!.set(key, hash);
    this.dirty.add(bucket);
  }

  delete(key: string): void {
    const bucket = bucketOf(key);
    if (this.buckets[bucket]!.delete(key)) this.dirty.add(bucket);
  }

  digest(): string {
    for (const bucket of this.dirty) {
      const entries = this.buckets[bucket]!;
      if (entries.size === 0) {
        this.bucketHashes[bucket] = undefined;
        continue;
      }
      let lines = '';
      for (const key of [...entries.keys()].sort()) lines += `${key}\0${entries.get(key)}\n`;
      this.bucketHashes[bucket] = createHash('sha256').update(lines).digest('hex');
    }
    this.dirty.clear();
    let lines = 'pggit tree v2\n';
    this.bucketHashes.forEach((hash, index) => {
      if (hash !== undefined) lines += `${index}\0${hash}\n`;
    });
    return createHash('sha256').update(lines).digest('hex');
  }
}

/** FNV-1a over the key's UTF-16 code units: cheap, stable, spreads keys evenly. */
function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}

/** The hash of a whole tree (see TreeHasher). */
export function treeHash(tree: Tree): string {
  return new TreeHasher(tree).digest();
}

/** sha256 over tree, parents and metadata, in a fixed field order. */
export function commitHash(fields: Readonly<Record<string, unknown>>): string {
  const ordered = Object.keys(fields)
    .sort()
    .map((name) => [name, fields[name] instanceof Date ? (fields[name] as Date).toISOString() : fields[name]]);
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}
