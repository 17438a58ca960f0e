// The router's I/O part: does a branch exist, and which database holds it.
// The session asks a BranchDirectory; the store-backed one reads
// pggit.branches on every lookup (a primary-key read), so a branch created
// or deleted by another process is seen at once.
import type pg from 'pg';

export interface BranchLocation {
  /** The physical database on the upstream server. */
  readonly database: string;
}

export interface BranchDirectory {
  /** The live branch, or undefined when there is none of that name. */
  lookup(repository: string, branch: string): Promise<BranchLocation | undefined>;
  /** Names of the repository's live branches, sorted. */
  list(repository: string): Promise<string[]>;
}

/** Reads branches from a metadata store's pool (one that ensureReady() has prepared, or will). */
export class StoreBranchDirectory implements BranchDirectory {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ready: () => Promise<void> = async () => undefined,
  ) {}

  async lookup(repository: string, branch: string): Promise<BranchLocation | undefined> {
    await this.ready();
    const { rows } = await this.pool.query<{ database: string }>(
      `SELECT b.database FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id
        WHERE r.name = $1 AND b.name = $2 AND b.deleted_at IS NULL`,
      [repository, branch],
    );
    return rows[0] ? { database: rows[0].database } : undefined;
  }

  async list(repository: string): Promise<string[]> {
    await this.ready();
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT b.name FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id
        WHERE r.name = $1 AND b.deleted_at IS NULL ORDER BY b.name`,
      [repository],
    );
    return rows.map((row) => row.name);
  }
}
