// --ddl-lock-timeout: a DDL statement that has waited longer than the
// timeout for a lock is cancelled, from the proxy's own connection, before
// it queues every other query on the table behind it. Like lock_timeout,
// but only for DDL and only when asked. The check and the cancel are one
// query, and it cancels only while the backend is still running this very
// statement and still waiting, so it cannot hit the client's next one.
// The server's answer to the cancel (57014) is then replaced by the one
// lock_timeout gives (55P03, see session-guard.ts): both are raised at the
// same point of the wait, so the transaction ends up exactly the same.
import type pg from 'pg';
import type { ErrorToSend } from '../../protocol/index.js';

const CANCEL_SQL = `
SELECT (SELECT string_agg(b.pid || ' (' || coalesce(b.state, '?') || ', ' || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 80) || ')', '; ')
          FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))) AS blockers,
       l.mode AS mode, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relation,
       extract(epoch FROM now() - l.waitstart)::float8 AS waited,
       pg_cancel_backend(a.pid) AS cancelled
FROM pg_stat_activity a
JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
LEFT JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
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
  /** Holds the server's next reply until the promise settles: the cancel's error must wait to be explained. */
  readonly holdReply: (until: Promise<void>) => void;
}

/** Watches one statement until stop(); checks at the timeout, then every quarter of it. */
export class LockWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Set once this watch cancelled its statement. */
  cancelled: LockCancel | undefined;

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
      this.cancelled = { waitedSeconds: row.waited, mode: row.mode, relation: row.relation ?? undefined, blockers: row.blockers ?? undefined };
      this.target.onCancel(this.cancelled);
      return true;
    })();
    // The proxy's connection failed: the statement simply waits, as it would without the guard.
    const cancelled = checked.catch(() => false);
    this.target.holdReply(cancelled.then(() => undefined));
    if (!(await cancelled) && !this.stopped) this.schedule(Math.max(50, timeoutMs / 4));
  }
}

/** PostgreSQL's lock_timeout answers lock_not_available, and so does the lock guard. */
export const LOCK_TIMEOUT_SQLSTATE = '55P03';

/** What the client gets instead of the cancel's 57014: lock_timeout's SQLSTATE with pggit's explanation. */
export function lockTimeoutError(cancel: LockCancel, timeoutMs: number): ErrorToSend {
  return {
    severity: 'ERROR',
    sqlstate: LOCK_TIMEOUT_SQLSTATE,
    message: `canceling statement due to lock timeout: pggit guard stopped a DDL statement that waited ${cancel.waitedSeconds.toFixed(1)} s for ${cancel.mode} on ${cancel.relation ?? 'an object'} (--ddl-lock-timeout ${timeoutMs / 1000} s)`,
    ...(cancel.blockers === undefined ? {} : { detail: `Waiting behind: ${cancel.blockers}.` }),
    hint: 'Every query on the table was queueing behind it. Run it again when the blocking transactions have ended, or with a retry loop.',
  };
}
