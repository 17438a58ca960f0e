// The tree at a commit the way it was computed before trees were stored:
// the latest change per key along the whole first-parent chain. Tests hold
// the stored trees (pggit.tree_at) to it, commit by commit.
import type pg from 'pg';
import { expect } from 'vitest';
import { HistoryReader } from '../../src/store/index.js';

/** The replayed tree of the commit named by the SQL expression `commit` (a parameter or an outer column). */
function replaySql(commit: string): string {
  return `SELECT r.key, r.definition_hash FROM (
      WITH RECURSIVE chain(id, depth) AS (
        SELECT ${commit}, 0
        UNION ALL
        SELECT p.parents[1], chain.depth + 1 FROM chain JOIN pggit.commits p ON p.id = chain.id WHERE cardinality(p.parents) > 0)
      SELECT DISTINCT ON (ch.key) ch.key, ch.definition_hash FROM pggit.changes ch JOIN chain ON chain.id = ch.commit_id
       ORDER BY ch.key, chain.depth) r
    WHERE r.definition_hash IS NOT NULL`;
}

export async function replayedTree(pool: pg.Pool, commitId: string): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ key: string; definition_hash: string }>(replaySql('$1::text'), [commitId]);
  return new Map(rows.map((row) => [row.key, row.definition_hash]));
}

/**
 * Every commit of the store: the stored tree equals the replayed one, and
 * depth counts first parents. Compared in the server, in one statement;
 * the first mismatch is shown entry by entry. Returns how many commits.
 */
export async function expectStoredTreesMatchReplay(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ id: string; depth_ok: boolean; trees_ok: boolean }>(
    `SELECT c.id, c.depth = coalesce(p.depth + 1, 0) AS depth_ok,
            NOT EXISTS (
              SELECT 1 FROM (SELECT key, definition_hash, 1 AS side FROM pggit.tree_at(c.id)
                             UNION ALL
                             SELECT key, definition_hash, -1 FROM (${replaySql('c.id')}) replayed) sides
               GROUP BY key, definition_hash HAVING sum(side) <> 0) AS trees_ok
       FROM pggit.commits c LEFT JOIN pggit.commits p ON p.id = c.parents[1] ORDER BY c.seq`,
  );
  expect(rows.filter((row) => !row.depth_ok).map((row) => row.id), 'commits with a wrong depth').toEqual([]);
  const wrong = rows.find((row) => !row.trees_ok);
  if (wrong) {
    const stored = await new HistoryReader(pool, '(test store)').treeAt(wrong.id);
    expect(Object.fromEntries(stored), `tree at ${wrong.id}`).toEqual(Object.fromEntries(await replayedTree(pool, wrong.id)));
  }
  return rows.length;
}
