// Writing commits: any number of them in a few statements (definitions,
// whole trees of checkpoints, commit rows, changes), inside the caller's
// transaction. The caller holds the branch lock and moves the head.
import type pg from 'pg';
import type { Tree } from './hashing.js';
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

export async function insertCommits(client: pg.ClientBase, repositoryId: number, prepared: readonly PreparedCommit[]): Promise<void> {
  if (prepared.length === 0) return;
  const definitions = new Map(prepared.flatMap((p) => p.definitions));
  if (definitions.size > 0) {
    await client.query(
      'INSERT INTO pggit.definitions (hash, definition) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
      [[...definitions.keys()], [...definitions.values()]],
    );
  }
  const trees = prepared.filter((p) => p.placement.checkpoint === null).map((p) => {
    const keys = [...p.tree.keys()].sort();
    return { hash: p.commit.treeHash, keys, definition_hashes: keys.map((key) => p.tree.get(key)!) };
  });
  if (trees.length > 0) {
    await client.query(
      `INSERT INTO pggit.trees (hash, keys, definition_hashes)
       SELECT hash, keys, definition_hashes FROM json_to_recordset($1::json) AS t(hash text, keys text[], definition_hashes text[])
       ON CONFLICT (hash) DO NOTHING`,
      [JSON.stringify(trees)],
    );
  }
  const rows = prepared.map(({ commit, placement }, index) => ({
    id: commit.id, parents: commit.parents, tree_hash: commit.treeHash, kind: commit.kind, branch: commit.branch, author: commit.author,
    database: commit.database, application_name: commit.applicationName, client_address: commit.clientAddress, backend_pid: commit.backendPid,
    message: commit.message, statements: commit.statements, committed_at: commit.committedAt.toISOString(), depth: placement.depth,
    checkpoint: placement.checkpoint ?? commit.id, ord: index,
  }));
  await client.query(
    `INSERT INTO pggit.commits (id, repository_id, parents, tree_hash, kind, branch, author, database, application_name,
                                client_address, backend_pid, message, statements, committed_at, depth, checkpoint)
     SELECT id, $1, parents, tree_hash, kind, branch, author, database, application_name, client_address, backend_pid,
            message, statements, committed_at, depth, checkpoint
       FROM json_to_recordset($2::json) AS c(id text, parents text[], tree_hash text, kind text, branch text, author text, database text,
            application_name text, client_address text, backend_pid integer, message text, statements text[], committed_at timestamptz,
            depth integer, checkpoint text, ord integer)
      ORDER BY ord`,
    [repositoryId, JSON.stringify(rows)],
  );
  const changes = prepared.flatMap(({ commit, changes }) => [...changes].map(([key, hash]) => [commit.id, key, hash] as const));
  if (changes.length > 0) {
    await client.query(
      'INSERT INTO pggit.changes (commit_id, key, definition_hash) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      [changes.map((c) => c[0]), changes.map((c) => c[1]), changes.map((c) => c[2])],
    );
  }
}
