// Trees without replaying history (sql/003_stored_trees.sql): checkpoint
// commits have their whole tree stored; the tree at any commit is its
// checkpoint's tree plus the changes since, read by pggit.tree_at().
import type pg from 'pg';

type Queryable = pg.ClientBase | pg.Pool;

/**
 * A new checkpoint is due once this many commits followed the last one:
 * as many as the tree has entries (so stored trees cost about one entry per
 * commit), at least 16, at most 1,024 (a read replays at most that many).
 */
export function checkpointInterval(entries: number): number {
  return Math.min(1024, Math.max(16, entries));
}

/** Where a new commit on top of head stands: its depth and its checkpoint (null: itself). */
export interface Placement {
  readonly depth: number;
  readonly checkpoint: string | null;
}

/** Head's depth and checkpoint as read under the branch lock; null head: a root. */
export function placeAfter(head: { depth: number; checkpoint: string; sinceCheckpoint: number } | null, entries: number): Placement {
  if (head === null) return { depth: 0, checkpoint: null };
  const due = head.sinceCheckpoint + 1 >= checkpointInterval(entries);
  return { depth: head.depth + 1, checkpoint: due ? null : head.checkpoint };
}

/** The tree (key -> definition hash) at a commit, or only its entries for keys. */
export async function readTree(client: Queryable, commitId: string | null, keys?: readonly string[]): Promise<Map<string, string>> {
  if (commitId === null || keys?.length === 0) return new Map();
  const { rows } = await client.query<{ key: string; definition_hash: string }>(
    'SELECT key, definition_hash FROM pggit.tree_at($1) WHERE $2::text[] IS NULL OR key = ANY($2::text[])',
    [commitId, keys ?? null],
  );
  return new Map(rows.map((row) => [row.key, row.definition_hash]));
}

/** The stored definition texts of the tree at a commit (key -> text), read with the tree in one query. */
export async function readTreeDefinitions(client: Queryable, commitId: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ key: string; definition: string }>(
    'SELECT t.key, d.definition FROM pggit.tree_at($1) t JOIN pggit.definitions d ON d.hash = t.definition_hash',
    [commitId],
  );
  return new Map(rows.map((row) => [row.key, row.definition]));
}
