// The upstream server restarts under a session: the session gets the
// server's own error, connections while it is down get 08001, and new
// sessions work as soon as it is back, without restarting pggit. With the
// history on that same server, under pgbench and DDL traffic, pgbench's
// clients get the server's own error, a new pgbench runs clean as soon as
// the server is back, the recorder recovers and the history ends equal to
// the live catalog.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { serve } from '../src/cli/serve.js';
import type { LocalCluster } from '../src/cluster/index.js';
import { upstreamFromUrl } from '../src/proxy/index.js';
import { eventually } from './harness/activity.js';
import { initPgbench, pgbench } from './fuzz/steady-pgbench.js';
import { commitCounts, headVersusLive } from './harness/history-check.js';
import { privateServer, serverOwnedTempDir } from './harness/private-server.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';

let baseDir: string;
let server: LocalCluster;
let proxy: TestProxy;

let start: (port?: number) => Promise<LocalCluster>;

beforeAll(async () => {
  baseDir = await serverOwnedTempDir('pggit-restart-');
  start = privateServer(join(baseDir, 'data'));
  server = await start();
  proxy = await startTestProxy({ upstream: upstreamFromUrl(server.url()) });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
});

/** Rows pgbench has added to its history table (a committed transaction each). */
async function transactionsDone(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pgbench_history')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

async function query(client: pg.Client): Promise<unknown> {
  return (await client.query('SELECT 1 AS one')).rows;
}

describe('upstream restart', () => {
  it('ends open sessions with the server error, refuses with 08001 while down, serves again once back', async () => {
    const open = new pg.Client({ connectionString: proxy.url() });
    const errors: Array<{ code?: string }> = [];
    open.on('error', (error) => errors.push(error as { code?: string }));
    await open.connect();
    expect(await query(open)).toEqual([{ one: 1 }]);

    const port = server.port;
    await server.stop();
    // Fast shutdown: the server tells its sessions 57P01 before it goes.
    await eventually(async () => errors.length, (n) => n > 0, 'the open session to hear of the shutdown');
    expect(errors[0]?.code).toBe('57P01');
    await eventually(async () => proxy.proxy.sessionCount, (n) => n === 0, 'the session to end');

    const down = new pg.Client({ connectionString: proxy.url() });
    await expect(down.connect()).rejects.toMatchObject({ code: '08001' });

    server = await start(port);
    const again = new pg.Client({ connectionString: proxy.url() });
    await again.connect();
    expect(await query(again)).toEqual([{ one: 1 }]);
    await again.end();
    await open.end().catch(() => undefined);
  });
});

describe('upstream restart under pgbench and DDL traffic, with the history on that server', () => {
  it('records every change made before and after the restart; the history equals the live catalog', async () => {
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE restart_app');
    await admin.end();
    await initPgbench(server.url('restart_app'), 1);
    const errors: string[] = [];
    const serving = await serve({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: upstreamFromUrl(server.url()),
      upstreamUrl: server.url('restart_app'),
      storeUrl: server.url('pggit'),
      reconcileIntervalMs: 3_600_000,
      http: undefined,
      metrics: true,
      maxApplications: 20,
      ddl: true,
      connectTimeoutMs: 5_000,
      logger: pino({ level: 'error' }, { write: (line: string) => void errors.push(line) }),
    });
    try {
      const url = `postgres://postgres@127.0.0.1:${serving.proxy.port}/restart_app`;
      await eventually(() => commitCounts(server.url('pggit'), 'restart_app').catch(() => undefined), (c) => c?.baseline === 1, 'the baseline');
      // Queries and DDL run until the server goes; each session ends with the server's error.
      const runTraffic = async (prefix: string, stopOnError: boolean): Promise<number> => {
        const client = new pg.Client({ connectionString: url });
        // The server's error reaches the client as an 'error' event when it lands between two queries.
        let lost: Error | undefined;
        client.on('error', (error) => (lost ??= error));
        await client.connect();
        let n = 0;
        try {
          for (; n < 20; n++) {
            await client.query(`CREATE TABLE ${prefix}_${n} (id int)`);
            await client.query('SELECT count(*) FROM pg_class');
          }
        } catch (error) {
          if (!stopOnError) throw error;
          const cause = /not queryable/.test((error as Error).message) ? lost : (error as Error);
          expect((cause as { code?: string } | undefined)?.code ?? cause?.message).toMatch(/57P01|terminated/);
        }
        await client.end().catch(() => undefined);
        return n;
      };
      // pgbench runs until the server goes: its clients end with the server's shutdown error, not one of the proxy's.
      const benchBefore = pgbench(['-n', '-c', '2', '-T', '600', url]);
      const before = runTraffic('before', true);
      await eventually(() => transactionsDone(server.url('restart_app')), (n) => n >= 20, 'pgbench transactions through the proxy');
      await eventually(() => commitCounts(server.url('pggit'), 'restart_app'), (c) => c.observed >= 3, 'some commits recorded');
      const port = server.port;
      await server.stop();
      await before;
      const stopped = await benchBefore;
      expect(stopped.code).not.toBe(0);
      expect(stopped.output).toMatch(/terminating connection due to administrator command|server closed the connection unexpectedly/);
      expect(stopped.output).not.toMatch(/pggit/);
      server = await start(port);
      // New sessions work as soon as the server is back, pgbench and DDL included, and the recorder recovers.
      const benchAfter = pgbench(['-n', '-c', '2', '-t', '50', url]);
      expect(await runTraffic('after', false)).toBe(20);
      const after = await benchAfter;
      expect({ code: after.code, failed: /number of failed transactions: (\d+)/.exec(after.output)?.[1] }).toEqual({ code: 0, failed: '0' });
      expect(after.output).toMatch(/number of transactions actually processed: 100\/100/);
      await serving.recorder!.idle();
      // What was committed while the recorder could not read or write is found by reconciliation.
      await serving.recorder!.scheduleReconcile('restart_app');
      await serving.recorder!.idle();
      const versus = await headVersusLive(server.url('pggit'), 'restart_app', server.url('restart_app'));
      expect({ added: versus.added, removed: versus.removed, changed: versus.changed }).toEqual({ added: [], removed: [], changed: [] });
      const counts = await commitCounts(server.url('pggit'), 'restart_app');
      expect(counts.forks).toBe(0);
      expect(counts.observed).toBeGreaterThanOrEqual(20 + 3);
    } finally {
      await serving.stop(0);
    }
    // Connection errors while the server was down are warnings; nothing worse.
    expect(errors).toEqual([]);
  }, 120_000);
});
