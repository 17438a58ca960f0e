// The merge in progress per target branch (sql/005_merges.sql): started
// when a merge stops on conflicts, resolved conflict by conflict, finished
// by --continue or dropped by --abort. Rows, not process memory, so any
// process (CLI, HTTP, another proxy) sees and continues the same merge.
import type pg from 'pg';
import { StoreError } from './store-error.js';

export interface StoredConflict {
  readonly key: string;
  readonly kind: string;
  readonly base: string | null;
  readonly ours: string | null;
  readonly theirs: string | null;
}

export type Resolution = { readonly take: 'ours' | 'theirs' } | { readonly sql: string };

export interface StoredMerge {
  readonly target: string;
  readonly source: string;
  readonly base: string | null;
  readonly ours: string;
  readonly theirs: string;
  readonly conflicts: readonly StoredConflict[];
  readonly resolutions: Readonly<Record<string, Resolution>>;
  readonly startedBy: string | null;
  readonly startedAt: Date;
}

type Db = pg.Pool | pg.ClientBase;

const COLUMNS = 'target, source, base, ours, theirs, conflicts, resolutions, started_by, started_at';

function row(r: Record<string, unknown>): StoredMerge {
  return {
    target: r['target'] as string,
    source: r['source'] as string,
    base: r['base'] as string | null,
    ours: r['ours'] as string,
    theirs: r['theirs'] as string,
    conflicts: r['conflicts'] as StoredConflict[],
    resolutions: r['resolutions'] as Record<string, Resolution>,
    startedBy: r['started_by'] as string | null,
    startedAt: r['started_at'] as Date,
  };
}

export async function readMerge(db: Db, repositoryId: number, target: string): Promise<StoredMerge | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM pggit.merges WHERE repository_id = $1 AND target = $2`, [repositoryId, target]);
  return rows[0] ? row(rows[0]) : undefined;
}

/** Every merge in progress of the repository, by target. */
export async function listMerges(db: Db, repositoryId: number): Promise<StoredMerge[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM pggit.merges WHERE repository_id = $1 ORDER BY target`, [repositoryId]);
  return rows.map(row);
}

/** Stores a merge that stopped on conflicts; MERGE_IN_PROGRESS when the target already has one. */
export async function startMerge(db: Db, repositoryId: number, merge: Omit<StoredMerge, 'resolutions' | 'startedAt'>): Promise<void> {
  const { rowCount } = await db.query(
    `INSERT INTO pggit.merges (repository_id, target, source, base, ours, theirs, conflicts, started_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT DO NOTHING`,
    [repositoryId, merge.target, merge.source, merge.base, merge.ours, merge.theirs, JSON.stringify(merge.conflicts), merge.startedBy],
  );
  if (rowCount === 0) throw new StoreError('MERGE_IN_PROGRESS', `branch "${merge.target}" already has a merge in progress (pggit merge --status; --continue or --abort it first)`);
}

/** Records the resolution of one conflict (replacing an earlier one). */
export async function resolveConflict(db: Db, repositoryId: number, target: string, key: string, resolution: Resolution): Promise<StoredMerge> {
  const { rows } = await db.query(
    `UPDATE pggit.merges SET resolutions = resolutions || jsonb_build_object($3::text, $4::jsonb)
      WHERE repository_id = $1 AND target = $2 AND conflicts @> jsonb_build_array(jsonb_build_object('key', $3::text))
      RETURNING ${COLUMNS}`,
    [repositoryId, target, key, JSON.stringify(resolution)],
  );
  if (rows[0]) return row(rows[0]);
  const merge = await readMerge(db, repositoryId, target);
  if (!merge) throw new StoreError('NO_MERGE', `branch "${target}" has no merge in progress`);
  throw new StoreError('UNKNOWN_CONFLICT', `no conflict "${key}" in the merge into "${target}"; conflicts: ${merge.conflicts.map((c) => c.key).join(', ')}`);
}

/** Forgets the merge in progress; false when there was none. */
export async function endMerge(db: Db, repositoryId: number, target: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM pggit.merges WHERE repository_id = $1 AND target = $2', [repositoryId, target]);
  return (rowCount ?? 0) > 0;
}
