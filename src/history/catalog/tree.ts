// A recorded tree of SchemaObjects with the indexes that make a scoped
// update cost what the change costs: objects by key, by anchor (schema and
// name), by bare name, by schema, and who depends on each key. The
// recorder keeps one per database and, for each change set:
//
//   const read = await readScope(client, tree.expand({ names }));
//   tree.apply(read);
//
// which is what expandScope and applyScopedRead (coverage.ts) do for plain
// arrays, without rebuilding anything.
import type { ObjectKind, SchemaObject, ScopeName, ScopeRoot, ScopedRead, SnapshotScope } from './model.js';
import { anchorOf, schemaOfKey, WHOLE_KINDS } from './object-key.js';

type Kind = ScopeName['kind'];

export const SCOPE_KIND_OF: Readonly<Record<ObjectKind, NonNullable<Kind>>> = {
  table: 'relation', view: 'relation', materialized_view: 'relation', sequence: 'relation', index: 'relation',
  statistics: 'relation', constraint: 'relation', trigger: 'relation', policy: 'relation', rule: 'relation',
  type: 'type', domain: 'type', collation: 'type', function: 'function', procedure: 'function', aggregate: 'function',
  schema: 'schema', extension: 'extension', event_trigger: 'event_trigger', default_acl: 'default_acl',
  shell_type: 'type', foreign_table: 'relation', system_privileges: 'relation',
  operator: 'other', operator_class: 'other', operator_family: 'other', cast: 'other', transform: 'other', conversion: 'other',
  text_search_parser: 'other', text_search_template: 'other', text_search_dictionary: 'other', text_search_configuration: 'other',
  language: 'other', access_method: 'other', foreign_data_wrapper: 'other', server: 'other', user_mapping: 'other',
  publication: 'other', subscription: 'other',
};

/** Whether a scope name of kind `wanted` can mean an object of kind `kind`. */
export function kindMatches(wanted: Kind, kind: ObjectKind): boolean {
  if (wanted === undefined) return true;
  // A composite type is also a relation (pg_class relkind c).
  return SCOPE_KIND_OF[kind] === wanted || (wanted === 'relation' && kind === 'type');
}

function add(index: Map<string, Set<string>>, at: string, key: string): void {
  let set = index.get(at);
  if (!set) index.set(at, (set = new Set()));
  set.add(key);
}

function remove(index: Map<string, Set<string>>, at: string, key: string): void {
  const set = index.get(at);
  if (!set) return;
  set.delete(key);
  if (set.size === 0) index.delete(at);
}

const anchorId = (schema: string | null, name: string): string => `${schema ?? ''}\0${name}`;

export class SchemaTree {
  private readonly objects = new Map<string, SchemaObject>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byAnchor = new Map<string, Set<string>>();
  private readonly byName = new Map<string, Set<string>>();
  private readonly bySchema = new Map<string, Set<string>>();
  private readonly defaultAcls = new Set<string>();
  /** Keys of the kinds read whole (WHOLE_KINDS). */
  private readonly wholeKeys = new Set<string>();

  constructor(objects: Iterable<SchemaObject> = []) {
    for (const object of objects) this.set(object);
  }

  get size(): number {
    return this.objects.size;
  }

  get(key: string): SchemaObject | undefined {
    return this.objects.get(key);
  }

  /** The objects by key, unsorted (read-only: change the tree through set / apply). */
  asMap(): ReadonlyMap<string, SchemaObject> {
    return this.objects;
  }

  /** Every object, sorted by key. */
  values(): SchemaObject[] {
    return [...this.objects.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  set(object: SchemaObject): void {
    this.delete(object.key);
    this.objects.set(object.key, object);
    for (const dep of object.dependsOn) add(this.dependents, dep, object.key);
    if (WHOLE_KINDS.has(object.kind)) this.wholeKeys.add(object.key);
    const anchor = anchorOf(object.key);
    if (anchor === null) this.defaultAcls.add(object.key);
    else {
      add(this.byAnchor, anchorId(anchor.schema, anchor.name), object.key);
      add(this.byName, anchor.name, object.key);
    }
    const schema = schemaOfKey(object.key);
    if (schema !== null) add(this.bySchema, schema, object.key);
  }

  delete(key: string): void {
    const object = this.objects.get(key);
    if (!object) return;
    this.objects.delete(key);
    for (const dep of object.dependsOn) remove(this.dependents, dep, key);
    this.wholeKeys.delete(key);
    const anchor = anchorOf(key);
    if (anchor === null) this.defaultAcls.delete(key);
    else {
      remove(this.byAnchor, anchorId(anchor.schema, anchor.name), key);
      remove(this.byName, anchor.name, key);
    }
    const schema = schemaOfKey(key);
    if (schema !== null) remove(this.bySchema, schema, key);
  }

  /**
   * Keys a root names: a schema-level root (schema null) names its schema's
   * every object and an extension or event trigger of that name; a
   * qualified root the objects anchored there; with anySchema, a root
   * without schema names objects anchored at that name in any schema.
   */
  private named(root: ScopeRoot, anySchema: boolean): string[] {
    const matching = (keys: Iterable<string> | undefined): string[] =>
      [...(keys ?? [])].filter((key) => kindMatches(root.kind, this.objects.get(key)!.kind));
    if (root.kind === 'default_acl') return [...this.defaultAcls];
    if (root.kind === 'other') return [...this.wholeKeys];
    if (root.schema !== null) return matching(this.byAnchor.get(anchorId(root.schema, root.name)));
    if (anySchema) return matching(this.byName.get(root.name));
    const keys: string[] = [];
    if (root.kind === undefined || root.kind === 'schema') keys.push(...(this.bySchema.get(root.name) ?? []));
    for (const key of this.byAnchor.get(anchorId(null, root.name)) ?? []) {
      const kind = this.objects.get(key)!.kind;
      if ((kind === 'extension' || kind === 'event_trigger') && kindMatches(root.kind, kind)) keys.push(key);
    }
    return keys;
  }

  /** See expandScope (coverage.ts). */
  expand(scope: SnapshotScope): SnapshotScope {
    const queue: string[] = [];
    const reached = new Set<string>();
    for (const name of scope.names) {
      const root: ScopeRoot = { schema: name.schema ?? null, name: name.name, kind: name.kind };
      const found = this.named(root, false);
      if (name.schema === undefined) found.push(...this.named(root, true));
      for (const key of found) if (!reached.has(key)) reached.add(key), queue.push(key);
    }
    const keys = new Set(scope.keys ?? []);
    while (queue.length > 0) {
      const object = this.objects.get(queue.pop()!)!;
      // A table depends on the sequences its columns own (tables.ts turns
      // that edge round), and takes them along when it goes.
      if (object.kind === 'table') {
        for (const dep of object.dependsOn) if (dep.startsWith('sequence:')) keys.add(dep);
      }
      for (const dependent of this.dependents.get(object.key) ?? []) {
        if (reached.has(dependent)) continue;
        reached.add(dependent);
        queue.push(dependent);
        keys.add(dependent);
      }
    }
    const expanded: SnapshotScope = { names: scope.names, keys: [...keys].sort() };
    return scope.searchPath === undefined ? expanded : { ...expanded, searchPath: scope.searchPath };
  }

  /** The keys of this tree a read covers (see coverage.ts). */
  covered(read: ScopedRead): Set<string> {
    const covered = new Set<string>();
    for (const key of [...read.objects.map((object) => object.key), ...read.keys]) if (this.objects.has(key)) covered.add(key);
    for (const root of read.roots) for (const key of this.named(root, false)) covered.add(key);
    return covered;
  }

  /** Replaces what the read covers by what it returned. */
  apply(read: ScopedRead): void {
    for (const key of this.covered(read)) this.delete(key);
    for (const object of read.objects) this.set(object);
  }
}
