// The merge base of two commits: their nearest common ancestor in the
// commit DAG (every parent, not only the first). A parent is always
// recorded before its children, so the common ancestors that are nobody's
// parent among them are the best ones; of those the most recent is picked.
// Criss-cross histories have several: the caller says so.
import type pg from 'pg';

export interface MergeBase {
  /** The picked base; null when the commits share no history. */
  readonly base: string | null;
  /** Every best common ancestor, most recent first (more than one: criss-cross). */
  readonly candidates: readonly string[];
}

export async function mergeBase(pool: pg.Pool | pg.ClientBase, a: string, b: string): Promise<MergeBase> {
  const { rows } = await pool.query<{ id: string; parents: string[]; seq: string }>(
    `WITH RECURSIVE up(id, side) AS (
       SELECT $1::text, 1 UNION SELECT $2::text, 2
       UNION
       SELECT p.id, up.side FROM up JOIN pggit.commits c ON c.id = up.id CROSS JOIN LATERAL unnest(c.parents) AS p(id))
     SELECT c.id, c.parents, c.seq::text AS seq FROM pggit.commits c
      WHERE c.id IN (SELECT id FROM up WHERE side = 1) AND c.id IN (SELECT id FROM up WHERE side = 2)`,
    [a, b],
  );
  // Every ancestor of a common ancestor is common, so "an ancestor of another" = "a parent of another".
  const common = new Set(rows.map((row) => row.id));
  const beaten = new Set(rows.flatMap((row) => row.parents.filter((parent) => common.has(parent))));
  const candidates = rows
    .filter((row) => !beaten.has(row.id))
    .sort((x, y) => Number(BigInt(y.seq) - BigInt(x.seq)))
    .map((row) => row.id);
  return { base: candidates[0] ?? null, candidates };
}

/** True when ancestor is descendant itself or reachable from it through parents. */
export async function isAncestor(pool: pg.Pool | pg.ClientBase, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  const { base } = await mergeBase(pool, ancestor, descendant);
  return base === ancestor;
}
