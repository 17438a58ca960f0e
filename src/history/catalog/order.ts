// Dependency order for replay: a topological sort on dependsOn (keys that
// are not in the set are ignored) that, among the objects whose dependencies
// are all written, always takes the one of the earliest kind phase, then the
// smallest key. The phases put every table before any index or constraint,
// which the partition rules rely on (an index on a partitioned table is
// created ON ONLY after its partitions exist, and each partition's index is
// attached to it), and foreign keys after every other constraint (a foreign
// key to a partitioned table needs its unique index complete). A cycle,
// which pg_depend should not produce, is broken by taking the earliest
// remaining object.
import type { ObjectKind, SchemaObject } from './model.js';
import { isForeignKeyDefinition } from './constraints.js';

const PHASES: ReadonlyArray<ObjectKind | 'foreign_key'> = [
  'schema', 'extension', 'language', 'foreign_data_wrapper', 'server', 'user_mapping', 'collation', 'shell_type', 'type',
  'domain', 'function', 'procedure', 'access_method', 'operator', 'operator_family', 'operator_class', 'aggregate', 'cast',
  'transform', 'conversion', 'text_search_parser', 'text_search_template', 'text_search_dictionary',
  'text_search_configuration', 'sequence', 'table', 'foreign_table', 'view', 'materialized_view', 'index', 'constraint',
  'foreign_key', 'statistics', 'trigger', 'rule', 'policy', 'publication', 'subscription', 'event_trigger', 'default_acl',
  'system_privileges',
];

export function phaseOf(object: SchemaObject): number {
  const phase = object.kind === 'constraint' && isForeignKeyDefinition(object.definition) ? 'foreign_key' : object.kind;
  return PHASES.indexOf(phase);
}

function before(a: { phase: number; key: string }, b: { phase: number; key: string }): boolean {
  return a.phase !== b.phase ? a.phase < b.phase : a.key < b.key;
}

class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(items[at]!, items[parent]!)) break;
      [items[at], items[parent]] = [items[parent]!, items[at]!];
      at = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        const right = left + 1;
        let best = at;
        if (left < items.length && this.less(items[left]!, items[best]!)) best = left;
        if (right < items.length && this.less(items[right]!, items[best]!)) best = right;
        if (best === at) break;
        [items[at], items[best]] = [items[best]!, items[at]!];
        at = best;
      }
    }
    return top;
  }
}

interface Node {
  readonly object: SchemaObject;
  readonly key: string;
  readonly phase: number;
  waiting: number;
  readonly dependents: Node[];
  done: boolean;
}

export function orderObjects(objects: readonly SchemaObject[]): SchemaObject[] {
  const nodes = new Map<string, Node>();
  for (const object of objects) {
    nodes.set(object.key, { object, key: object.key, phase: phaseOf(object), waiting: 0, dependents: [], done: false });
  }
  for (const node of nodes.values()) {
    for (const dep of new Set(node.object.dependsOn)) {
      const target = nodes.get(dep);
      if (!target || target === node) continue;
      target.dependents.push(node);
      node.waiting += 1;
    }
  }
  const ready = new Heap<Node>(before);
  for (const node of nodes.values()) if (node.waiting === 0) ready.push(node);
  const ordered: SchemaObject[] = [];
  while (ordered.length < nodes.size) {
    let node = ready.pop();
    if (node === undefined) {
      // A cycle: take the earliest object still waiting.
      for (const candidate of nodes.values()) if (!candidate.done && (node === undefined || before(candidate, node))) node = candidate;
      if (node === undefined) break;
    }
    if (node.done) continue;
    node.done = true;
    ordered.push(node.object);
    for (const dependent of node.dependents) {
      dependent.waiting -= 1;
      if (dependent.waiting === 0 && !dependent.done) ready.push(dependent);
    }
  }
  return ordered;
}
