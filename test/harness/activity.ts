// The upstream server seen directly, not through the proxy: which backends a
// test's sessions hold, found by a unique application_name.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { upstreamUrl } from './proxy.js';

/** An application_name no other test uses, to find a session's backend. */
export function uniqueAppName(label: string): string {
  return `pggit-${label}-${randomUUID().slice(0, 8)}`;
}

/** Polls probe until accept holds, or throws after timeoutMs naming what it waited for. */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(value)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export class UpstreamActivity {
  private constructor(private readonly admin: pg.Pool) {}

  /** A small pool, so that several waits can poll at once. */
  static async connect(): Promise<UpstreamActivity> {
    const admin = new pg.Pool({ connectionString: upstreamUrl(), application_name: 'pggit-test-observer', max: 4 });
    await admin.query('SELECT 1');
    return new UpstreamActivity(admin);
  }

  /** Backends whose session set this application_name. */
  async backends(applicationName: string): Promise<number> {
    const { rows } = await this.admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows[0]!.n;
  }

  /** Process ids of backends of this application_name running a query that starts with prefix. */
  async running(applicationName: string, prefix: string): Promise<number[]> {
    const { rows } = await this.admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND starts_with(query, $2)",
      [applicationName, prefix],
    );
    return rows.map((row) => row.pid);
  }

  waitForBackends(applicationName: string, count: number): Promise<number> {
    const what = `${count} backends of ${applicationName}`;
    return eventually(() => this.backends(applicationName), (n) => n === count, what);
  }

  /** Waits until a backend of applicationName runs a query starting with prefix; returns its pid. */
  async waitForQuery(applicationName: string, prefix: string): Promise<number> {
    const what = `"${prefix}" running in ${applicationName}`;
    const pids = await eventually(() => this.running(applicationName, prefix), (p) => p.length === 1, what);
    return pids[0]!;
  }

  /** What the backend of applicationName waits on now (e.g. ClientWrite), or '' when it is not waiting. */
  async waitEvent(applicationName: string): Promise<string> {
    const { rows } = await this.admin.query<{ event: string | null }>(
      'SELECT wait_event AS event FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows[0]?.event ?? '';
  }

  query(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    return this.admin.query(text, values);
  }

  end(): Promise<void> {
    return this.admin.end();
  }
}
