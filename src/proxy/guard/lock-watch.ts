// --ddl-lock-timeout: a DDL statement that has waited longer than the
// timeout for a lock is cancelled, from the proxy's own connection, before
// it queues every other query on the table behind it. Like lock_timeout,
// but only for DDL and only when asked. The check and the cancel are one
// query, and it cancels only while the backend is still running this very
// statement and still waiting, so it cannot hit the client's next one.
import type pg from 'pg';

const CANCEL_SQL = `
SELECT (SELECT string_agg(b.pid || ' (' || coalesce(b.state, '?') || ', ' || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 80) || ')', '; ')
          FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blockers,
       l.mode AS mode, c.relname AS relation,
       extract(epoch FROM now() - l.waitstart)::float8 AS waited,
       pg_cancel_backend(a.pid) AS cancelled
FROM pg_stat_activity a
JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
LEFT JOIN pg_class c ON c.oid = l.relation
WHERE a.pid = $1 AND a.state = 'active' AND starts_with($2, a.query)
  AND l.waitstart <= now() - make_interval(secs => $3)
LIMIT 1`;

/** The check itself must not hang the session's held replies. */
const CHECK_TIMEOUT_MS = 2_000;

export interface LockCancel {
  readonly waitedSeconds: number;
  readonly mode: string;
  readonly relation: string | undefined;
  readonly blockers: string | undefined;
}

export interface LockWatchTarget {
  readonly pool: pg.Pool;
  readonly backendPid: number;
  /** The statement text as the server sees it (pg_stat_activity.query). */
  readonly sql: string;
  readonly timeoutMs: number;
  readonly onCancel: (cancel: LockCancel) => void;
  /** Holds the server's next reply until the promise settles: the cancel's error must not overtake onCancel's notice. */
  readonly holdReply: (until: Promise<void>) => void;
}

/** Watches one statement until stop(); checks at the timeout, then every quarter of it. */
export class LockWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly target: LockWatchTarget) {
    this.schedule(target.timeoutMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.check(), ms);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    const { pool, backendPid, sql, timeoutMs } = this.target;
    const checked = (async () => {
      const result = await pool.query({ text: CANCEL_SQL, values: [backendPid, sql, timeoutMs / 1000], query_timeout: CHECK_TIMEOUT_MS } as pg.QueryConfig);
      const row = result.rows[0] as { blockers: string | null; mode: string; relation: string | null; waited: number; cancelled: boolean } | undefined;
      // Even if the statement's reply already arrived (stop() was called): the hold keeps it until the notice is queued.
      if (!row?.cancelled) return false;
      this.stopped = true;
      this.target.onCancel({ waitedSeconds: row.waited, mode: row.mode, relation: row.relation ?? undefined, blockers: row.blockers ?? undefined });
      return true;
    })();
    // The proxy's connection failed: the statement simply waits, as it would without the guard.
    const cancelled = checked.catch(() => false);
    this.target.holdReply(cancelled.then(() => undefined));
    if (!(await cancelled) && !this.stopped) this.schedule(Math.max(50, timeoutMs / 4));
  }
}
