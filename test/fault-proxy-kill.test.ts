// `pggit proxy` killed with SIGKILL while commits it saw are still waiting
// for the store (the store's branch rows are held locked, so they cannot be
// written, and the server ends the dead proxy's waiting write). A new proxy on restart, or the other proxy sharing the store,
// records what was committed but not yet recorded as a `detected` commit:
// the history ends equal to the live catalog, on one line (no fork, no
// duplicate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually } from './harness/activity.js';
import { commitCounts, freshDatabases, headVersusLive } from './harness/history-check.js';
import { startProxyProcess, type ProxyProcess } from './harness/proxy-process.js';
import { urlFor } from './harness/recorded-history.js';

const STORE = 'fault_kill_store';
const running: ProxyProcess[] = [];

beforeAll(async () => {
  await freshDatabases(['fault_kill_app', 'fault_pair_app', STORE], ['fault_kill_app', 'fault_pair_app']);
});

afterAll(async () => {
  await Promise.all(running.map((proxy) => proxy.stop()));
});

async function start(app: string, extra: readonly string[] = []): Promise<ProxyProcess> {
  const proxy = await startProxyProcess(['--upstream', urlFor(app), '--store', urlFor(STORE), ...extra], {});
  running.push(proxy);
  return proxy;
}

async function session(proxy: ProxyProcess, app: string, name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${app}`, application_name: name });
  client.on('error', () => undefined); // its proxy may be killed under it
  await client.connect();
  return client;
}

/** Holds every branch row of the store locked until release(): commits queue up in the proxies, unwritten. */
async function lockBranches(): Promise<{ release(): Promise<void>; waiters(): Promise<number>; endWaiters(): Promise<void> }> {
  const client = new pg.Client({ connectionString: urlFor(STORE) });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM pggit.branches FOR UPDATE');
  return {
    waiters: async () =>
      (await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pggit' AND wait_event_type = 'Lock'`, [STORE])).rows[0].n,
    // A write is one statement: once the lock goes, a waiting one completes
    // even if its proxy died meanwhile, unless the server has noticed the
    // client is gone (client_connection_check_interval, TCP keepalives) and
    // ended the backend, as this does (and waits for it to be gone).
    endWaiters: async () => {
      await client.query(
        `SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pggit' AND wait_event_type = 'Lock'`,
        [STORE],
      );
    },
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

function kill(proxy: ProxyProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => proxy.child.once('exit', () => resolve()));
  proxy.child.kill('SIGKILL');
  return exited;
}

describe('a proxy killed with SIGKILL', () => {
  it('on restart, records what was committed but not yet recorded, as detected', async () => {
    const app = 'fault_kill_app';
    const first = await start(app, ['--reconcile-interval', '3600']);
    const client = await session(first, app, 'migrate');
    await client.query('CREATE TABLE recorded_before (id int)');
    await eventually(() => commitCounts(urlFor(STORE), app), (c) => c.observed === 1, 'the first commit recorded');
    const lock = await lockBranches();
    const missed = ['CREATE TABLE missed_one (id int)', 'ALTER TABLE recorded_before ADD COLUMN missed int', 'CREATE VIEW missed_view AS SELECT 1 AS one'];
    for (const statement of missed) await client.query(statement);
    // Its write is under way (waiting for the branch) when the proxy dies.
    await eventually(() => lock.waiters(), (n) => n > 0, 'the proxy to be writing');
    await kill(first);
    await lock.endWaiters();
    await lock.release();
    expect(await commitCounts(urlFor(STORE), app)).toMatchObject({ observed: 1, detected: 0 });

    // The restarted proxy's first look at the database records the gap.
    await start(app, ['--reconcile-interval', '3600']);
    const counts = await commitCounts(urlFor(STORE), app);
    expect(counts).toEqual({ baseline: 1, observed: 1, detected: 1, forks: 0 });
    const store = new pg.Client({ connectionString: urlFor(STORE) });
    await store.connect();
    const { rows } = await store.query(
      `SELECT array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
         FROM pggit.commits c WHERE c.kind = 'detected'`,
    );
    await store.end();
    expect(rows[0].keys).toEqual(['table:public.missed_one', 'table:public.recorded_before', 'view:public.missed_view']);
    const versus = await headVersusLive(urlFor(STORE), app, urlFor(app));
    expect({ added: versus.added, removed: versus.removed, changed: versus.changed }).toEqual({ added: [], removed: [], changed: [] });
    await client.end().catch(() => undefined);
  }, 120_000);

  it('beside another proxy on the same store: the other carries on, no gap, no duplicate', async () => {
    const app = 'fault_pair_app';
    const doomed = await start(app, ['--reconcile-interval', '1']);
    const survivor = await start(app, ['--reconcile-interval', '1']);
    const onDoomed = await session(doomed, app, 'doomed');
    const onSurvivor = await session(survivor, app, 'survivor');
    const lock = await lockBranches();
    for (let n = 0; n < 5; n++) await onDoomed.query(`CREATE TABLE doomed_${n} (id int)`);
    await eventually(() => lock.waiters(), (n) => n > 0, 'the doomed proxy to be writing');
    await kill(doomed);
    await expect(onDoomed.query('SELECT 1')).rejects.toThrow();
    await lock.release();
    // The survivor's session never noticed, and its own changes keep being recorded.
    for (let n = 0; n < 5; n++) {
      await onSurvivor.query(`CREATE TABLE survivor_${n} (id int)`);
      expect((await onSurvivor.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    }
    // The survivor's reconciliation closes the gap the doomed proxy left.
    const versus = await eventually(
      () => headVersusLive(urlFor(STORE), app, urlFor(app)),
      (v) => v.added.length + v.removed.length + v.changed.length === 0,
      'the history to equal the live catalog',
      30_000,
    );
    expect(versus.live).toBeGreaterThanOrEqual(10);
    const counts = await commitCounts(urlFor(STORE), app);
    expect(counts.forks).toBe(0);
    expect(counts.baseline).toBe(1);
    expect(counts.detected).toBeGreaterThanOrEqual(1);
    // No duplicate: each table was created by exactly one commit.
    const store = new pg.Client({ connectionString: urlFor(STORE) });
    await store.connect();
    const { rows } = await store.query(
      `SELECT ch.key, count(*)::int AS n FROM pggit.changes ch JOIN pggit.commits c ON c.id = ch.commit_id JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 GROUP BY ch.key HAVING count(*) > 1`,
      [app],
    );
    await store.end();
    expect(rows).toEqual([]);
    await onSurvivor.end();
  }, 120_000);
});
