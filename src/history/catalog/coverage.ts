// What a scoped read says about the keys it did not return. The recorder
// keeps the previous tree of objects (with dependsOn) and, for each change
// set:
//
//   const scope = expandScope(namesFromStatements, previous);
//   const read = await readScope(client, scope);
//   const next = applyScopedRead(previous, read);
//
// (or the same with a SchemaTree kept between change sets, tree.ts, whose
// indexes make this cost what the change costs rather than the schema size).
//
// expandScope asks to read again, by key, the objects of the previous tree
// that depended, directly or not, on what the statements name: a DROP ...
// CASCADE removes them without naming them, a rename may change their
// definitions or keys. A key is covered by a read when the read returned it,
// when the scope asked for it by key, or when its anchor (the object itself,
// or the table of a constraint, trigger, policy or rule, see object-key.ts)
// is one of the qualified names the read resolved the scope to, or lies in a
// schema the scope names. A covered key the read did not return no longer
// exists.
//
// Callers must put both names of a rename in the scope (ALTER TABLE a RENAME
// TO b names a and b; ALTER ... SET SCHEMA names the new schema.name too).
import type { SchemaObject, ScopeName, ScopeRoot, ScopedRead, SnapshotScope } from './model.js';
import { anchorOf, parseKey, schemaOfKey, WHOLE_KINDS } from './object-key.js';
import { sameObject } from './diff.js';
import { kindMatches, SchemaTree, SCOPE_KIND_OF } from './tree.js';

/** True when `root` (schema null = any schema for unqualified matching) names `key`. */
function rootNames(root: ScopeRoot, key: string, anySchema: boolean): boolean {
  const { kind } = parseKey(key);
  if (root.kind === 'default_acl') return kind === 'default_acl';
  if (root.kind === 'other') return WHOLE_KINDS.has(kind);
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
  return coveredKeys(read, [key]).has(key);
}

/** The scope name that reads (and covers) the object with this key. */
export function scopeNameFor(key: string): ScopeName {
  const anchor = anchorOf(key);
  const kind = SCOPE_KIND_OF[parseKey(key).kind];
  if (anchor === null) return { name: '', kind: 'default_acl' };
  if (kind === 'other') return { name: '', kind };
  return anchor.schema === null ? { name: anchor.name, kind } : { schema: anchor.schema, name: anchor.name, kind };
}

/** The set of keys a read covers, among `keys`. */
export function coveredKeys(read: ScopedRead, keys: Iterable<string>): Set<string> {
  const direct = new Set([...read.objects.map((object) => object.key), ...read.keys]);
  const covered = new Set<string>();
  for (const key of keys) if (direct.has(key) || read.roots.some((root) => rootNames(root, key, false))) covered.add(key);
  return covered;
}

/**
 * The scope plus, as keys to read again, every previous object that
 * depends, directly or not, on an object the scope names (an unqualified
 * name matching in any schema), and the sequences those tables use (a table
 * owns its serial sequences). For a tree kept between change sets, use
 * SchemaTree.expand, which does not rebuild its indexes.
 */
export function expandScope(scope: SnapshotScope, previous: readonly SchemaObject[]): SnapshotScope {
  return indexOf(previous).expand(scope);
}

/** The previous tree with everything the read covers replaced by what it returned; sorted by key. */
export function applyScopedRead(previous: readonly SchemaObject[], read: ScopedRead): SchemaObject[] {
  return applyRead(previous, read).next;
}

/** A read applied to a tree: the tree it leaves and what changed (the new object, or null: gone). */
export interface AppliedRead {
  readonly next: SchemaObject[];
  readonly changed: ReadonlyMap<string, SchemaObject | null>;
}

/**
 * applyScopedRead with the changes it makes, found from the read alone: the
 * cost is the change's plus one pass over the tree, not a diff of two trees.
 * The previous tree's index passes to the next one, so a recorder that
 * applies each commit's read to the tree the last one left never indexes a
 * tree again; the same read applied to the same tree twice (a batch builds
 * its trees before the store asks for them) gives the same result.
 */
export function applyRead(previous: readonly SchemaObject[], read: ScopedRead): AppliedRead {
  const done = applied.get(previous);
  if (done?.read === read) return done.result;
  const tree = indexOf(previous);
  const covered = tree.covered(read);
  const returned = new Map(read.objects.map((object) => [object.key, object]));
  const changed = new Map<string, SchemaObject | null>();
  for (const key of covered) if (!returned.has(key)) changed.set(key, null);
  for (const object of returned.values()) {
    const before = tree.get(object.key);
    if (before === undefined || !sameObject(before, object)) changed.set(object.key, object);
  }
  // A tree is kept sorted: sorting it again with the read's objects appended costs about one pass.
  const next = [...previous.filter((object) => !covered.has(object.key) && !returned.has(object.key)), ...returned.values()].sort(byKey);
  indexes.delete(previous);
  for (const [key, object] of changed) {
    if (object === null) tree.delete(key);
    else tree.set(object);
  }
  indexes.set(next, tree);
  const result = { next, changed };
  applied.set(previous, { read, result });
  return result;
}

// Indexing a tree (SchemaTree) costs O(objects); a recorder expands many
// scopes against the same recorded tree, an array nobody changes. Indexed
// once per array (and handed on by applyRead): scopes then cost what the
// change costs. A tree whose index was handed on is indexed again if asked.
const indexes = new WeakMap<readonly SchemaObject[], SchemaTree>();
const applied = new WeakMap<readonly SchemaObject[], { readonly read: ScopedRead; readonly result: AppliedRead }>();

function indexOf(objects: readonly SchemaObject[]): SchemaTree {
  let tree = indexes.get(objects);
  if (!tree) indexes.set(objects, (tree = new SchemaTree(objects)));
  return tree;
}

const byKey = (a: SchemaObject, b: SchemaObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
