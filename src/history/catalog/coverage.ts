// What a scoped read says about the keys it did not return. The recorder
// keeps the previous tree of objects (with dependsOn) and, for each change
// set:
//
//   const scope = expandScope(namesFromStatements, previous);
//   const read = await readScope(client, scope);
//   const next = applyScopedRead(previous, read);
//
// expandScope adds the objects of the previous tree that depended on what
// the statements name (a DROP ... CASCADE removes them without naming them;
// a rename changes their definitions or keys). A key is covered by a read
// when the read returned it, or when its anchor (the object itself, or the
// table of a constraint, trigger, policy or rule, see object-key.ts) is one
// of the qualified names the read resolved the scope to, or lies in a schema
// the scope names. A covered key the read did not return no longer exists.
//
// Callers must put both names of a rename in the scope (ALTER TABLE a RENAME
// TO b names a and b; ALTER ... SET SCHEMA names the new schema.name too).
import type { SchemaObject, ScopeName, ScopeRoot, ScopedRead, SnapshotScope } from './model.js';
import { anchorOf, parseKey, schemaOfKey } from './object-key.js';

type Kind = ScopeName['kind'];

const KIND_OF: Readonly<Record<string, Kind>> = {
  table: 'relation', view: 'relation', materialized_view: 'relation', sequence: 'relation', index: 'relation',
  statistics: 'relation', constraint: 'relation', trigger: 'relation', policy: 'relation', rule: 'relation',
  type: 'type', domain: 'type', function: 'function', procedure: 'function', aggregate: 'function',
  schema: 'schema', extension: 'extension', event_trigger: 'event_trigger', default_acl: 'default_acl',
};

function kindMatches(wanted: Kind, keyKind: string): boolean {
  if (wanted === undefined) return true;
  const kind = KIND_OF[keyKind];
  // A composite type is also a relation (pg_class relkind c).
  return kind === wanted || (wanted === 'relation' && keyKind === 'type');
}

/** True when `root` (schema null = any schema for unqualified matching) names `key`. */
function rootNames(root: ScopeRoot, key: string, anySchema: boolean): boolean {
  const { kind } = parseKey(key);
  if (root.kind === 'default_acl') return kind === 'default_acl';
  if (root.schema === null && !anySchema) {
    if ((root.kind === undefined || root.kind === 'schema') && schemaOfKey(key) === root.name) return true;
    if ((kind === 'extension' || kind === 'event_trigger') && kindMatches(root.kind, kind)) return anchorOf(key)?.name === root.name;
    return false;
  }
  const anchor = anchorOf(key);
  if (anchor === null || anchor.schema === null) {
    return root.schema === null && anchor !== null && anchor.name === root.name && kindMatches(root.kind, kind);
  }
  return (root.schema === null || anchor.schema === root.schema) && anchor.name === root.name && kindMatches(root.kind, kind);
}

export function coveredBy(read: ScopedRead, key: string): boolean {
  return read.objects.some((object) => object.key === key) || read.roots.some((root) => rootNames(root, key, false));
}

/** The scope name that reads (and covers) the object with this key. */
export function scopeNameFor(key: string): ScopeName {
  const anchor = anchorOf(key);
  const kind = KIND_OF[parseKey(key).kind];
  if (anchor === null) return { name: '', kind: 'default_acl' };
  return anchor.schema === null ? { name: anchor.name, kind } : { schema: anchor.schema, name: anchor.name, kind };
}

/** The set of keys a read covers, among `keys`. */
export function coveredKeys(read: ScopedRead, keys: Iterable<string>): Set<string> {
  const returned = new Set(read.objects.map((object) => object.key));
  const covered = new Set<string>();
  for (const key of keys) if (returned.has(key) || read.roots.some((root) => rootNames(root, key, false))) covered.add(key);
  return covered;
}

/**
 * The scope plus the anchors of every previous object that depends,
 * directly or not, on an object the scope names (an unqualified name
 * matching in any schema).
 */
export function expandScope(scope: SnapshotScope, previous: readonly SchemaObject[]): SnapshotScope {
  const named = previous.filter((object) =>
    scope.names.some((name) => {
      const root: ScopeRoot = { schema: name.schema ?? null, name: name.name, kind: name.kind };
      return rootNames(root, object.key, false) || (name.schema === undefined && rootNames(root, object.key, true));
    }),
  );
  const dependents = new Map<string, SchemaObject[]>();
  for (const object of previous) {
    for (const dep of object.dependsOn) {
      let list = dependents.get(dep);
      if (!list) dependents.set(dep, (list = []));
      list.push(object);
    }
  }
  const reached = new Set(named.map((object) => object.key));
  const queue = [...named];
  const added: ScopeName[] = [];
  while (queue.length > 0) {
    const object = queue.pop()!;
    for (const dependent of dependents.get(object.key) ?? []) {
      if (reached.has(dependent.key)) continue;
      reached.add(dependent.key);
      queue.push(dependent);
      added.push(scopeNameFor(dependent.key));
    }
  }
  const seen = new Set<string>();
  const names: ScopeName[] = [];
  for (const name of [...scope.names, ...added]) {
    const id = JSON.stringify([name.schema ?? null, name.name, name.kind ?? null]);
    if (seen.has(id)) continue;
    seen.add(id);
    names.push(name);
  }
  return scope.searchPath === undefined ? { names } : { names, searchPath: scope.searchPath };
}

/** The previous tree with everything the read covers replaced by what it returned; sorted by key. */
export function applyScopedRead(previous: readonly SchemaObject[], read: ScopedRead): SchemaObject[] {
  const covered = coveredKeys(read, previous.map((object) => object.key));
  const next = previous.filter((object) => !covered.has(object.key));
  next.push(...read.objects);
  return next.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
