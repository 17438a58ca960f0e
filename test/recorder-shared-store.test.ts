// Two recorders share one store, as two proxies do. Proxy A's store
// connection runs through a relay the test can stall, so A's observed commit
// stays unwritten for as long as the test wants: B's reconciliation must
// leave that change alone (no grace period to outlast), skip while a block
// with schema changes is open, and still record DDL run around the proxies
// as detected. A statement that may be DDL waits for a reconciliation read
// under way; other statements never do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { DEFAULT_LOCK_DATABASE } from '../src/history/index.js';
import { schemaChangeLockKey } from '../src/history/schema-change-lock.js';
import { ProxyMetrics } from '../src/metrics/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { Relay } from './harness/relay.js';
import { freshDatabases } from './harness/history-check.js';

const APP = 'shared_lock_app';
const STORE = 'shared_lock_store';
const silent = pino({ level: 'silent' });
let relay: Relay;
let storeA: HistoryStore;
let storeB: HistoryStore;
let poolsA: CatalogPools;
let poolsB: CatalogPools;
let recorderA: Recorder;
let recorderB: Recorder;
let proxyA: TestProxy;
let storeReader: pg.Pool;
const registryB = new Registry();

function urlFor(database: string, port?: number): string {
  const url = new URL(upstreamUrl());
  url.pathname = `/${database}`;
  if (port !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(port);
  }
  return url.toString();
}

beforeAll(async () => {
  await freshDatabases([APP, STORE], [APP]);
  const upstream = new URL(upstreamUrl());
  relay = await Relay.start({ host: upstream.hostname, port: Number(upstream.port) });
  storeA = connectStore({ url: urlFor(STORE, relay.port) });
  storeB = connectStore({ url: urlFor(STORE) });
  poolsA = new CatalogPools(upstreamUrl());
  poolsB = new CatalogPools(upstreamUrl());
  recorderA = new Recorder({ store: storeA, pools: poolsA, logger: silent });
  recorderB = new Recorder({ store: storeB, pools: poolsB, logger: silent, metrics: new ProxyMetrics(registryB, { maxApplications: 10 }) });
  proxyA = await startWiredProxy({
    onChangeSet: (cs, route) => recorderA.submit(route, cs),
    onDdlStarted: (route) => recorderA.ddlStarted(route),
    onSessionReady: (route) => recorderA.noteDatabase(route),
  });
  storeReader = new pg.Pool({ connectionString: urlFor(STORE), max: 1 });
  await recorderA.noteDatabase(APP);
  await recorderA.idle();
  await recorderB.noteDatabase(APP);
  await recorderB.idle();
});

afterAll(async () => {
  relay.resume();
  await proxyA.stop();
  for (const recorder of [recorderA, recorderB]) recorder.stop();
  await Promise.all([poolsA.end(), poolsB.end(), storeA.pool.end(), storeB.pool.end(), storeReader.end()]);
  await relay.close();
});

async function commits(): Promise<Array<{ kind: string; keys: string[] }>> {
  const { rows } = await storeReader.query<{ kind: string; keys: string[] }>(
    `SELECT c.kind, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
       FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq`,
    [APP],
  );
  return rows;
}

async function skippedRounds(): Promise<number> {
  const text = await registryB.metrics();
  return Number(/^pggit_reconciliations_skipped_total (\d+)$/m.exec(text)?.[1]);
}

/** The advisory locks held in a database that cover APP (other tests' proxies hold theirs in the lock database too). */
async function advisoryLocks(database: string): Promise<Array<{ mode: string; application: string }>> {
  const { rows } = await storeReader.query(
    `SELECT l.mode, a.application_name AS application
       FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = $1)
        AND ($1 = $2 OR l.objid = (SELECT oid FROM pg_database WHERE datname = $2))`,
    [database, APP],
  );
  return rows;
}

async function reconcileB(): Promise<void> {
  await recorderB.scheduleReconcile(APP);
  await recorderB.idle();
}

async function throughProxyA<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: proxyA.url({ database: APP }) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('reconciliation beside another proxy sharing the store', () => {
  it('leaves a change alone while that proxy has not written its observed commit, however long', async () => {
    relay.pause();
    await throughProxyA((client) => client.query('CREATE TABLE written_late (id int)'));
    const skippedBefore = await skippedRounds();
    await reconcileB();
    await reconcileB();
    expect(await skippedRounds()).toBe(skippedBefore + 2);
    expect((await commits()).map((commit) => commit.kind)).toEqual(['baseline']);
    relay.resume();
    await recorderA.idle();
    await reconcileB();
    const history = await commits();
    expect(history.map((commit) => commit.kind)).toEqual(['baseline', 'observed']);
    expect(history[1]!.keys).toEqual(['table:public.written_late']);
  });

  it('leaves the database alone while a block with schema changes is open, then records DDL run around the proxies as detected', async () => {
    await throughProxyA(async (client) => {
      await client.query('BEGIN');
      await client.query('ALTER TABLE written_late ADD COLUMN in_block int');
      // The proxy's lock covers the application's database from the lock database, out of the application's sight.
      expect(await advisoryLocks(APP)).toEqual([]);
      expect(await advisoryLocks(DEFAULT_LOCK_DATABASE)).toEqual([{ mode: 'ShareLock', application: 'pggit recorder' }]);
      // Committed meanwhile around the proxies: the catalog differs, so the next round must read it.
      const direct = new pg.Client({ connectionString: urlFor(APP) });
      await direct.connect();
      await direct.query('CREATE TABLE around_the_proxies (id int)');
      await direct.end();
      const skippedBefore = await skippedRounds();
      // A read now would wait for the block's lock on written_late: the round is skipped instead.
      await reconcileB();
      expect(await skippedRounds()).toBe(skippedBefore + 1);
      await client.query('COMMIT');
    });
    await recorderA.idle();
    await reconcileB();
    const [observed, detected] = (await commits()).slice(-2);
    expect(observed).toEqual({ kind: 'observed', keys: ['table:public.written_late'] });
    expect(detected).toEqual({ kind: 'detected', keys: ['table:public.around_the_proxies'] });
  });

  it('holds a statement that may be DDL while a reconciliation read is under way, and nothing else', async () => {
    const reconciling = new pg.Client({ connectionString: urlFor(DEFAULT_LOCK_DATABASE) });
    await reconciling.connect();
    const key = await schemaChangeLockKey(reconciling, APP);
    await reconciling.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    try {
      await throughProxyA(async (client) => {
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        const created = client.query('CREATE TABLE after_the_read (id int)');
        // The proxy's request for the shared lock waits behind the read's lock...
        for (;;) {
          const { rows } = await reconciling.query(
            `SELECT count(*)::int AS waiting FROM pg_locks
              WHERE locktype = 'advisory' AND mode = 'ShareLock' AND NOT granted AND objid = (SELECT oid FROM pg_database WHERE datname = $1)`,
            [APP],
          );
          if (rows[0].waiting > 0) break;
        }
        // ...and the statement has not reached the server.
        expect((await reconciling.query(`SELECT to_regclass('public.after_the_read') AS found`)).rows).toEqual([{ found: null }]);
        await reconciling.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
        await created;
      });
    } finally {
      await reconciling.end();
    }
    await recorderA.idle();
    expect((await commits()).at(-1)).toEqual({ kind: 'observed', keys: ['table:public.after_the_read'] });
  });
});
