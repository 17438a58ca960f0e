// What grew between two V8 heap snapshots (.heapsnapshot files, as
// `--heapsnapshot-signal` writes them): objects grouped by constructor name
// (other nodes by type), counts and self sizes, largest growth first.
import { readFile } from 'node:fs/promises';

interface HeapSnapshotFile {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

export interface HeapGroup {
  readonly count: number;
  readonly bytes: number;
}

export interface HeapGrowth extends HeapGroup {
  readonly group: string;
}

export async function heapGroups(file: string): Promise<Map<string, HeapGroup>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshotFile;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const groups = new Map<string, { count: number; bytes: number }>();
  for (let at = 0; at < heap.nodes.length; at += fields.length) {
    const type = types[heap.nodes[at + typeAt]!]!;
    const group = type === 'object' || type === 'closure' ? `${type} ${heap.strings[heap.nodes[at + nameAt]!]}` : type;
    const entry = groups.get(group) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[at + sizeAt]!;
    groups.set(group, entry);
  }
  return groups;
}

/** The groups that grew most in bytes from `before` to `after`. */
export async function heapGrowth(before: string, after: string, top = 8): Promise<HeapGrowth[]> {
  const [from, to] = await Promise.all([heapGroups(before), heapGroups(after)]);
  return [...to]
    .map(([group, { count, bytes }]) => ({ group, count: count - (from.get(group)?.count ?? 0), bytes: bytes - (from.get(group)?.bytes ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}
