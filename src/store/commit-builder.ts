// Building commits one on top of the other from a head's tree: what each
// input changes, its commit row (content-addressed), and where it stands in
// the first-parent chain (depth, checkpoint). Pure but for reading the
// head's definitions when an input computes its changes from them.
import { commitHash, type TreeHasher } from './hashing.js';
import type { PreparedCommit } from './commit-writes.js';
import { placeAfter } from './stored-trees.js';
import { applyChanges } from './tree-update.js';
import type { CommitMetadata, CommitRow, TreeChanges } from './types.js';

/** Computes the changes from the head's definitions (key -> definition), under the branch lock. */
export type ChangesFromHead = (head: ReadonlyMap<string, string>) => TreeChanges;

export interface RecordInput {
  readonly repository: string;
  readonly branch: string;
  readonly metadata: CommitMetadata;
  readonly changes: TreeChanges | ChangesFromHead;
  /** Skip the commit when nothing in the tree changes (reconciliation). */
  readonly skipIfUnchanged?: boolean;
  /** A merge's second parent (the source branch's head). */
  readonly secondParent?: string;
}

/** Where a head stands in its first-parent chain (for the next commit's placement); null: no head. */
export type HeadPlacement = { readonly depth: number; readonly checkpoint: string; readonly sinceCheckpoint: number } | null;

/** A head, its tree and the tree's hasher; the next commits change tree and hasher in place. */
export interface HeadTree {
  readonly head: string | null;
  readonly tree: Map<string, string>;
  readonly hasher: TreeHasher;
}

export interface BuiltCommits {
  /** One per input, undefined where skipIfUnchanged and nothing changed. */
  readonly results: Array<CommitRow | undefined>;
  /** The rows to write (writeCommits). */
  readonly prepared: PreparedCommit[];
  readonly head: string | null;
  readonly placement: HeadPlacement;
}

/** Definition texts by hash: those of a tree, and the new ones as each commit brings them (a later input may read them). */
export interface DefinitionTexts {
  of(tree: ReadonlyMap<string, string>): Promise<Map<string, string>>;
  learn(definitions: ReadonlyArray<readonly [string, string]>): void;
}

/**
 * The commits of inputs, one on top of the other from `from` (whose tree
 * and hasher they change in place).
 */
export async function buildCommits(from: HeadTree, fromPlacement: HeadPlacement, inputs: readonly RecordInput[], texts: DefinitionTexts): Promise<BuiltCommits> {
  const { tree, hasher } = from;
  let head = from.head;
  let headRow = fromPlacement;
  const results: Array<CommitRow | undefined> = [];
  const prepared: PreparedCommit[] = [];
  for (const input of inputs) {
    const changes = typeof input.changes === 'function' ? input.changes(await texts.of(tree)) : input.changes;
    const { effective, definitions } = applyChanges(tree, hasher, changes);
    texts.learn(definitions);
    // The first commit of a branch is its baseline, even of an empty schema.
    if (effective.size === 0 && input.skipIfUnchanged && head !== null) {
      results.push(undefined);
      continue;
    }
    const parents = head ? [head] : [];
    if (input.secondParent !== undefined && input.secondParent !== head) parents.push(input.secondParent);
    const metadata = head === null && input.metadata.kind === 'detected' ? { ...input.metadata, kind: 'baseline' as const, message: 'baseline: the schema when pggit first saw this database' } : input.metadata;
    const commit = commitRow({ ...input, metadata }, parents, hasher.digest());
    const placement = placeAfter(headRow, tree.size);
    // A checkpoint stores its whole tree, which the next commit of the batch goes on changing.
    prepared.push({ commit, placement, tree: placement.checkpoint === null ? new Map(tree) : tree, definitions, changes: effective });
    results.push(commit);
    head = commit.id;
    headRow = placement.checkpoint === null
      ? { depth: placement.depth, checkpoint: commit.id, sinceCheckpoint: 0 }
      : { depth: placement.depth, checkpoint: placement.checkpoint, sinceCheckpoint: headRow!.sinceCheckpoint + 1 };
  }
  return { results, prepared, head, placement: headRow };
}

function commitRow(input: RecordInput, parents: string[], tree: string): CommitRow {
  const metadata = input.metadata;
  const id = commitHash({ ...metadata, statements: [...metadata.statements], parents, tree, branch: input.branch, repository: input.repository });
  return { ...metadata, id, repository: input.repository, branch: input.branch, parents, treeHash: tree, recordedAt: new Date(), seq: 0 };
}
