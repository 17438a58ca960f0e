// What the recorder writes: the metadata of observed and detected commits,
// and the tree changes between a head and the objects that replace it.
import type { ChangeSet } from '../ddl/index.js';
import type { CommitKind, CommitMetadata, TreeChanges } from '../store/index.js';
import { diffObjects, encodeObject, sameObject, type SchemaObject } from './catalog/index.js';
import { summarise } from './commit-message.js';

/** The tree changes of a read applied to the head (applyRead's `changed`), stored as the store keeps them. */
export function encodedChanges(changed: ReadonlyMap<string, SchemaObject | null>): TreeChanges {
  const changes = new Map<string, string | null>();
  for (const [key, object] of changed) changes.set(key, object === null ? null : encodeObject(object));
  return changes;
}

export function treeChanges(previous: readonly SchemaObject[], next: readonly SchemaObject[]): TreeChanges {
  const diff = diffObjects(previous, next);
  const changes = new Map<string, string | null>();
  for (const object of diff.added) changes.set(object.key, encodeObject(object));
  for (const { after } of diff.changed) changes.set(after.key, encodeObject(after));
  for (const object of diff.removed) changes.set(object.key, null);
  return changes;
}

export function observedMetadata(changeSet: ChangeSet): CommitMetadata {
  const session = changeSet.session;
  return {
    kind: 'observed',
    author: session.user,
    database: session.database,
    applicationName: session.applicationName,
    clientAddress: session.clientAddress,
    backendPid: session.backendPid ?? null,
    message: withAllowance(changeSet.message ?? summarise(changeSet.statements), changeSet.allowedHazards),
    statements: changeSet.statements.map((statement) => statement.text),
    committedAt: changeSet.committedAt,
  };
}

/** A Git-style trailer: the commit says which guard hazards its transaction allowed. */
function withAllowance(message: string, allowed: readonly string[] | undefined): string {
  return allowed === undefined || allowed.length === 0 ? message : `${message}\n\npggit-guard-allowed: ${allowed.join(', ')}`;
}

export function detectedMetadata(database: string, readAt: Date): CommitMetadata {
  const kind: CommitKind = 'detected';
  return {
    kind,
    author: null,
    database,
    applicationName: null,
    clientAddress: null,
    backendPid: null,
    message: 'changes found in the catalog that the proxy did not see',
    statements: [],
    committedAt: readAt,
  };
}

/** Keys whose recorded head changed since `before` was taken: an observed commit (of any proxy) recorded them meanwhile. */
export function changedSince(before: ReadonlyMap<string, SchemaObject> | undefined, head: readonly SchemaObject[]): Set<string> {
  const changed = new Set<string>();
  if (before === undefined) return changed;
  const seen = new Set<string>();
  for (const object of head) {
    seen.add(object.key);
    const old = before.get(object.key);
    if (old === undefined || !sameObject(old, object)) changed.add(object.key);
  }
  for (const key of before.keys()) if (!seen.has(key)) changed.add(key);
  return changed;
}

/** The read, except that the head's version of the `kept` keys stays: they belong to observed commits. */
export function keepHead(read: readonly SchemaObject[], head: readonly SchemaObject[], kept: ReadonlySet<string>): SchemaObject[] {
  return [...read.filter((object) => !kept.has(object.key)), ...head.filter((object) => kept.has(object.key))].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}
