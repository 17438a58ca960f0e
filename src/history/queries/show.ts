// `pggit show REF`: a commit's metadata, its statements, and what it changed
// relative to its first parent, object by object.
import { decodeObject, type ObjectKind } from '../catalog/index.js';
import { StoreError, type HistoryReader } from '../../store/index.js';
import { summarizeCommit, type CommitSummary } from './commit-summary.js';
import { lineDiff } from './line-diff.js';
import { resolveRef, type RefContext } from './resolve-ref.js';

export interface ObjectVersion {
  readonly key: string;
  readonly kind: ObjectKind;
  /** Canonical SQL (runs under search_path = ''). */
  readonly definition: string;
  /** Keys this object needs to exist first. */
  readonly dependsOn: readonly string[];
}

export interface ChangedObject {
  readonly key: string;
  readonly kind: ObjectKind;
  readonly before: ObjectVersion;
  readonly after: ObjectVersion;
  /** Unified diff of the definitions; empty when only dependsOn changed. */
  readonly diff: readonly string[];
}

export interface CommitDiff {
  /** The first parent the diff is relative to; null for a root commit. */
  readonly against: string | null;
  readonly added: ObjectVersion[];
  readonly removed: ObjectVersion[];
  readonly changed: ChangedObject[];
}

export interface CommitDetails {
  readonly repository: string;
  readonly ref: string;
  readonly commit: CommitSummary;
  readonly statements: readonly string[];
  readonly diff: CommitDiff;
}

export async function showCommit(reader: HistoryReader, context: RefContext, ref: string): Promise<CommitDetails> {
  const { id } = await resolveRef(reader, context, ref);
  const commit = await reader.commit(context.repository, id);
  if (!commit) throw new StoreError('UNKNOWN_REF', `commit ${id} is not in "${context.repository}"`);
  const against = commit.parents[0] ?? null;
  const changes = await reader.changes(id);
  const previous = await reader.treeAt(against, [...changes.keys()]);
  const texts = await reader.definitions([...previous.values(), ...[...changes.values()].filter((hash): hash is string => hash !== null)]);
  const version = (key: string, hash: string): ObjectVersion => {
    const object = decodeObject(key, texts.get(hash) ?? '');
    return { key, kind: object.kind, definition: object.definition, dependsOn: object.dependsOn };
  };
  const diff: CommitDiff = { against, added: [], removed: [], changed: [] };
  for (const [key, hash] of changes) {
    const old = previous.get(key);
    if (hash === null) {
      if (old !== undefined) diff.removed.push(version(key, old));
    } else if (old === undefined) {
      diff.added.push(version(key, hash));
    } else {
      const before = version(key, old);
      const after = version(key, hash);
      diff.changed.push({ key, kind: after.kind, before, after, diff: lineDiff(before.definition, after.definition) });
    }
  }
  return { repository: context.repository, ref, commit: summarizeCommit(commit), statements: [...commit.statements], diff };
}
