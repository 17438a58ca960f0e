// When a client session last reached a branch through pggit
// (pggit.branches.last_session_at, shown by `branch list`, used by `branch
// prune --idle-for`). The proxy calls touch() once per session, when the
// session is ready, never per query; the store is written at most once per
// interval per branch and process, in the background: a slow or missing
// store delays nothing and loses at most an interval of precision.
import type pg from 'pg';

export const LAST_SESSION_INTERVAL_MS = 60_000;

export class LastSessionClock {
  /** repository\0branch -> when this process last wrote it (ms). */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly ready: () => Promise<void> = async () => undefined,
    private readonly intervalMs = LAST_SESSION_INTERVAL_MS,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** A session reached (repository, branch) now. Returns the write when one was started (tests wait on it). */
  touch(repository: string, branch: string, now = Date.now()): Promise<void> | undefined {
    const key = `${repository}\0${branch}`;
    const last = this.written.get(key);
    if (last !== undefined && now - last < this.intervalMs) return undefined;
    this.written.set(key, now);
    return this.write(repository, branch).catch((error: unknown) => {
      // Try again with the next session rather than waiting a whole interval.
      this.written.delete(key);
      this.onError(error);
    });
  }

  private async write(repository: string, branch: string): Promise<void> {
    await this.ready();
    await this.pool.query(
      `UPDATE pggit.branches b SET last_session_at = now() FROM pggit.repositories r
        WHERE r.id = b.repository_id AND r.name = $1 AND b.name = $2 AND b.deleted_at IS NULL`,
      [repository, branch],
    );
  }
}
