// Writing commits: any number of them, with their definitions, the whole
// trees of checkpoints, their changes and the branch head's move, in ONE
// statement. It moves the head only from the head the commits were built
// on (expectedHead): when another writer moved it meanwhile, nothing is
// written and the caller rebuilds the commits under the branch lock.
//
// The statement is prepared once per store connection (a named statement):
// the store's CPU per commit was mostly parsing and planning the ~8
// statements a commit took (BEGIN, lock, placement, four INSERTs, UPDATE,
// COMMIT). The UPDATE comes first and every INSERT is gated on it, so the
// branch row is locked before anything is inserted (the order of the
// branch-lock path: no deadlock between writers of one definition), and a
// head that moved leaves no row behind. Foreign keys are checked at the end
// of the statement, when the commits the changes and the head name exist.
import type pg from 'pg';
import type { Tree } from './hashing.js';
import { identityColumns, type CommitIdentities } from './identities.js';
import type { Placement } from './stored-trees.js';
import type { CommitRow } from './types.js';

export interface PreparedCommit {
  readonly commit: CommitRow;
  readonly placement: Placement;
  /** The whole tree, stored when the commit is a checkpoint (placement.checkpoint null). */
  readonly tree: Tree;
  /** New definition texts by hash. */
  readonly definitions: ReadonlyArray<readonly [string, string]>;
  /** Key -> definition hash, null when removed (relative to the first parent). */
  readonly changes: ReadonlyMap<string, string | null>;
}

export interface CommitsOnHead {
  readonly repositoryId: number;
  readonly branch: string;
  /** The head the commits go on top of (null: the branch has none yet). */
  readonly expectedHead: string | null;
  /** In order: each commit's first parent is the one before (the first's, expectedHead). */
  readonly commits: readonly PreparedCommit[];
  /** Who the objects the commits added or changed are (see identities.ts), written with them. */
  readonly identities?: readonly CommitIdentities[] | undefined;
}

/**
 * Definitions and trees go in before the commits (and gc locks definitions,
 * then trees, see gc.ts): the same order as writers always used.
 */
const WRITE_COMMITS = `WITH moved AS (
    UPDATE pggit.branches SET head = $4
     WHERE repository_id = $1 AND name = $2 AND deleted_at IS NULL AND head IS NOT DISTINCT FROM $3
    RETURNING 1
  ), new_definitions AS (
    INSERT INTO pggit.definitions (hash, definition)
    SELECT d.hash, d.definition FROM unnest($5::text[], $6::text[]) AS d(hash, definition) WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT DO NOTHING
  ), new_trees AS (
    INSERT INTO pggit.trees (hash, keys, definition_hashes)
    SELECT t.hash, t.keys, t.definition_hashes FROM json_to_recordset($7::json) AS t(hash text, keys text[], definition_hashes text[])
     WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (hash) DO NOTHING
  ), new_commits AS (
    INSERT INTO pggit.commits (id, repository_id, parents, tree_hash, kind, branch, author, database, application_name,
                               client_address, backend_pid, message, statements, committed_at, depth, checkpoint)
    SELECT c.id, $1, c.parents, c.tree_hash, c.kind, c.branch, c.author, c.database, c.application_name, c.client_address, c.backend_pid,
           c.message, c.statements, c.committed_at, c.depth, c.checkpoint
      FROM json_to_recordset($8::json) AS c(id text, parents text[], tree_hash text, kind text, branch text, author text, database text,
           application_name text, client_address text, backend_pid integer, message text, statements text[], committed_at timestamptz,
           depth integer, checkpoint text, ord integer)
     WHERE EXISTS (SELECT FROM moved)
     ORDER BY c.ord
  ), new_changes AS (
    INSERT INTO pggit.changes (commit_id, key, definition_hash)
    SELECT ch.commit_id, ch.key, ch.definition_hash FROM unnest($9::text[], $10::text[], $11::text[]) AS ch(commit_id, key, definition_hash)
     WHERE EXISTS (SELECT FROM moved)
  ), new_identities AS (
    INSERT INTO pggit.object_identities (commit_id, key, identity, columns)
    SELECT i.commit_id, i.key, i.identity, i.columns::jsonb FROM unnest($12::text[], $13::text[], $14::text[], $15::text[]) AS i(commit_id, key, identity, columns)
     WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT DO NOTHING
  )
  SELECT count(*)::int AS moved FROM moved`;

/**
 * Writes the commits and moves the head to the last one, if the head is
 * still expectedHead. False when it was not (nothing written).
 */
export async function writeCommits(client: pg.ClientBase | pg.Pool, write: CommitsOnHead): Promise<boolean> {
  const { commits } = write;
  const last = commits.at(-1);
  if (last === undefined) return true;
  const definitions = new Map(commits.flatMap((p) => p.definitions));
  const trees = commits.filter((p) => p.placement.checkpoint === null).map((p) => {
    const keys = [...p.tree.keys()].sort();
    return { hash: p.commit.treeHash, keys, definition_hashes: keys.map((key) => p.tree.get(key)!) };
  });
  const rows = commits.map(({ commit, placement }, index) => ({
    id: commit.id, parents: commit.parents, tree_hash: commit.treeHash, kind: commit.kind, branch: commit.branch, author: commit.author,
    database: commit.database, application_name: commit.applicationName, client_address: commit.clientAddress, backend_pid: commit.backendPid,
    message: commit.message, statements: commit.statements, committed_at: commit.committedAt.toISOString(), depth: placement.depth,
    checkpoint: placement.checkpoint ?? commit.id, ord: index,
  }));
  const changes = commits.flatMap(({ commit, changes }) => [...changes].map(([key, hash]) => [commit.id, key, hash] as const));
  const identities = identityColumns(write.identities ?? []);
  const { rows: result } = await client.query<{ moved: number }>({
    name: 'pggit_write_commits',
    text: WRITE_COMMITS,
    values: [
      write.repositoryId, write.branch, write.expectedHead, last.commit.id,
      [...definitions.keys()], [...definitions.values()],
      JSON.stringify(trees), JSON.stringify(rows),
      changes.map((c) => c[0]), changes.map((c) => c[1]), changes.map((c) => c[2]),
      ...identities,
    ],
  });
  return result[0]!.moved === 1;
}
