// The tree at a commit the way it was computed before trees were stored:
// the latest change per key along the whole first-parent chain. Tests hold
// the stored trees (pggit.tree_at) to it, commit by commit.
import type pg from 'pg';
import { expect } from 'vitest';
import { HistoryReader } from '../../src/store/index.js';

export async function replayedTree(pool: pg.Pool, commitId: string): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ key: string; definition_hash: string | null }>(
    `WITH RECURSIVE chain(id, depth) AS (
       SELECT $1::text, 0
       UNION ALL
       SELECT c.parents[1], chain.depth + 1 FROM chain JOIN pggit.commits c ON c.id = chain.id WHERE cardinality(c.parents) > 0)
     SELECT DISTINCT ON (ch.key) ch.key, ch.definition_hash FROM pggit.changes ch JOIN chain ON chain.id = ch.commit_id
      ORDER BY ch.key, chain.depth`,
    [commitId],
  );
  return new Map(rows.flatMap((row) => (row.definition_hash === null ? [] : [[row.key, row.definition_hash] as const])));
}

/** Every commit of the store: the stored tree equals the replayed one, and depth counts first parents. */
export async function expectStoredTreesMatchReplay(pool: pg.Pool): Promise<number> {
  const reader = new HistoryReader(pool, '(test store)');
  const { rows } = await pool.query<{ id: string; parent: string | null; depth: number; parent_depth: number | null }>(
    `SELECT c.id, c.parents[1] AS parent, c.depth, p.depth AS parent_depth
       FROM pggit.commits c LEFT JOIN pggit.commits p ON p.id = c.parents[1] ORDER BY c.seq`,
  );
  for (const row of rows) {
    const stored = Object.fromEntries(await reader.treeAt(row.id));
    expect(stored, `tree at ${row.id}`).toEqual(Object.fromEntries(await replayedTree(pool, row.id)));
    expect(row.depth, `depth of ${row.id}`).toBe(row.parent === null ? 0 : row.parent_depth! + 1);
  }
  return rows.length;
}
