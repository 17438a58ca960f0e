// Walking history without touching all of it: HEAD~N hops from checkpoint
// to checkpoint (commits.depth, commits.checkpoint), and a log walks
// commits newest first only as far as it needs to.
import type pg from 'pg';
import { COMMIT_COLUMNS, commitRow } from './commit-rows.js';
import type { CommitRow } from './types.js';

/**
 * The commit on id's first-parent chain at depth target (steps from the
 * root). A commit whose checkpoint is not above target jumps straight to it;
 * a checkpoint steps to its parent: about 2 steps per checkpoint interval.
 */
const ANCESTOR_AT_DEPTH = `WITH RECURSIVE walk(id, depth, parent, checkpoint) AS (
    SELECT c.id, c.depth, c.parents[1], c.checkpoint FROM pggit.commits c WHERE c.id = $1
    UNION ALL
    SELECT n.id, n.depth, n.parents[1], n.checkpoint
      FROM walk
      LEFT JOIN pggit.commits cp ON cp.id = walk.checkpoint AND walk.checkpoint <> walk.id AND cp.depth >= $2
      JOIN pggit.commits n ON n.id = coalesce(cp.id, walk.parent)
     WHERE walk.depth > $2)
  SELECT id, depth FROM walk ORDER BY depth LIMIT 1`;

/**
 * The commit `steps` first parents back from id: { id, depth } where depth
 * < steps when the chain ended first (depth = how far it got).
 */
export async function firstParentAncestor(pool: pg.Pool, id: string, steps: number): Promise<{ id: string; depth: number }> {
  const start = await pool.query<{ depth: number }>('SELECT depth FROM pggit.commits WHERE id = $1', [id]);
  const depth = start.rows[0]?.depth;
  if (depth === undefined) return { id, depth: 0 };
  const target = Math.max(0, depth - steps);
  const { rows } = await pool.query<{ id: string; depth: number }>(ANCESTOR_AT_DEPTH, [id, target]);
  const found = rows[0] ?? { id, depth };
  return { id: found.id, depth: depth - found.depth };
}

/** The id of the root of id's first-parent chain. */
export async function firstParentRootId(pool: pg.Pool, id: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(ANCESTOR_AT_DEPTH, [id, 0]);
  return rows[0]?.id ?? id;
}

export interface AncestorOptions {
  /** Only commits whose changes touch one of these keys. */
  readonly keys?: readonly string[] | undefined;
  readonly limit?: number | undefined;
}

const FIRST_BATCH = 64;
const MAX_BATCH = 4096;

/**
 * Commits reachable from head through any parent, newest (last recorded)
 * first. A parent is always recorded before its children, so walking the
 * repository's commits by descending seq and following a frontier of
 * wanted ids meets every ancestor in order; it stops at the limit.
 */
export async function ancestors(pool: pg.Pool, head: string, options: AncestorOptions = {}): Promise<CommitRow[]> {
  const start = await pool.query<{ repository_id: number; seq: string }>('SELECT repository_id, seq FROM pggit.commits WHERE id = $1', [head]);
  if (!start.rows[0]) return [];
  const repositoryId = start.rows[0].repository_id;
  let below = BigInt(start.rows[0].seq) + 1n;
  const wanted = new Set([head]);
  const found: CommitRow[] = [];
  const limit = options.limit ?? Infinity;
  let batch = FIRST_BATCH;
  while (wanted.size > 0 && found.length < limit) {
    const { rows } = await pool.query(
      `SELECT ${COMMIT_COLUMNS},
              $4::text[] IS NULL OR EXISTS (SELECT 1 FROM pggit.changes ch WHERE ch.commit_id = c.id AND ch.key = ANY($4::text[])) AS touches
         FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE c.repository_id = $1 AND c.seq < $2 ORDER BY c.seq DESC LIMIT $3`,
      [repositoryId, below.toString(), batch, options.keys ?? null],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      below = BigInt(row.seq);
      if (!wanted.delete(row.id)) continue;
      for (const parent of row.parents as string[]) wanted.add(parent);
      if (row.touches) found.push(commitRow(row));
      if (found.length >= limit) break;
    }
    batch = Math.min(MAX_BATCH, batch * 4);
  }
  return found;
}
