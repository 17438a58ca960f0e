// The metadata store fails under DDL traffic through the proxy: its
// connections and the recorder's catalog connections (reading a commit
// with a DO block in it) are terminated while commits are being written, then the
// store's server is down for a while.
// Client traffic never notices; afterwards every DDL transaction is an
// observed commit of its own (counted), on one line of history, and the
// head equals the live catalog. The outage lasts
// PGGIT_FAULT_STORE_DOWN_SECONDS (3 in `npm test`; `npm run test:faults`
// runs it for 60, as the issue asks).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { serve, type Serving } from '../src/cli/serve.js';
import type { LocalCluster } from '../src/cluster/index.js';
import { upstreamFromUrl } from '../src/proxy/index.js';
import { eventually } from './harness/activity.js';
import { commitCounts, freshDatabases, headVersusLive } from './harness/history-check.js';
import { privateServer, serverOwnedTempDir } from './harness/private-server.js';
import { upstreamUrl } from './harness/proxy.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'fault_store_app';
const STORE_DOWN_MS = Number(process.env['PGGIT_FAULT_STORE_DOWN_SECONDS'] ?? '3') * 1000;
const SESSIONS = 3;
const KILL_ROUNDS = 5;

let baseDir: string;
let storeServer: LocalCluster;
let serving: Serving;
const logged: Array<{ level: number; msg: string }> = [];

let startStoreServer: (port?: number) => Promise<LocalCluster>;

beforeAll(async () => {
  baseDir = await serverOwnedTempDir('pggit-fault-store-');
  startStoreServer = privateServer(join(baseDir, 'store'));
  storeServer = await startStoreServer();
  await freshDatabases([APP]);
  serving = await serve({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamFromUrl(upstreamUrl()),
    upstreamUrl: urlFor(APP),
    storeUrl: storeServer.url('pggit'),
    // Reconciliation must not be what closes a gap here: every change is to be an observed commit.
    reconcileIntervalMs: 3_600_000,
    http: undefined,
    metrics: true,
    maxApplications: 20,
    ddl: true,
    connectTimeoutMs: 5_000,
    logger: pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) }),
  });
  // The baseline first: later DDL is then each session's own.
  await eventually(() => commitCounts(storeServer.url('pggit'), APP).catch(() => undefined), (c) => c?.baseline === 1, 'the baseline', 30_000);
}, 120_000);

afterAll(async () => {
  await serving?.stop(0);
  await storeServer?.stop();
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
});

/** A session through the proxy that runs DDL transactions amid queries, each DDL table of its own. */
class DdlSession {
  committed = 0;
  private constructor(
    private readonly client: pg.Client,
    private readonly name: string,
  ) {}

  static async open(name: string): Promise<DdlSession> {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${serving.proxy.port}/${APP}`, application_name: name });
    await client.connect();
    return new DdlSession(client, name);
  }

  /** Runs at least `least` DDL transactions, then more while keepGoing(). */
  async run(keepGoing: () => boolean, least = 3): Promise<void> {
    for (let done = 0; done < least || keepGoing(); done++) {
      const n = this.committed;
      if (n % 3 === 2) {
        await this.client.query('BEGIN');
        await this.client.query(`ALTER TABLE ${this.name}_${n - 1} ADD COLUMN c int`);
        await this.client.query(`COMMENT ON COLUMN ${this.name}_${n - 1}.c IS 'explicit ${n}'`);
        await this.client.query('COMMIT');
      } else if (n % 3 === 1) {
        // A DO block beside it: read after the commit, whole, on the recorder's connections (the others are read on this one, before COMMIT).
        await this.client.query(`CREATE TABLE ${this.name}_${n} (id int); DO $$BEGIN PERFORM 1; END$$`);
      } else {
        await this.client.query(`CREATE TABLE ${this.name}_${n} (id int)`);
      }
      this.committed++;
      // Mixed traffic: mostly queries, some DDL.
      for (let q = 0; q < 10; q++) expect((await this.client.query('SELECT $1::int AS n', [q])).rows).toEqual([{ n: q }]);
    }
  }

  end(): Promise<void> {
    return this.client.end();
  }
}

async function openSessions(prefix: string): Promise<DdlSession[]> {
  return Promise.all(Array.from({ length: SESSIONS }, (_, i) => DdlSession.open(`${prefix}_s${i}`)));
}

const total = (sessions: readonly DdlSession[]): number => sessions.reduce((sum, session) => sum + session.committed, 0);

/** Terminates, through admin, the backends matching `where`; returns how many. */
async function terminate(admin: pg.Client, where: string): Promise<number> {
  const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ${where}`);
  return rows.filter((row) => row.ok).length;
}

async function expectNothingLost(expectedObserved: number, before: Awaited<ReturnType<typeof commitCounts>>): Promise<void> {
  await serving.recorder!.idle();
  const counts = await commitCounts(storeServer.url('pggit'), APP);
  expect({ observed: counts.observed - before.observed, detected: counts.detected - before.detected, forks: counts.forks }).toEqual({
    observed: expectedObserved,
    detected: 0,
    forks: 0,
  });
  const versus = await headVersusLive(storeServer.url('pggit'), APP, urlFor(APP));
  expect({ added: versus.added, removed: versus.removed, changed: versus.changed }).toEqual({ added: [], removed: [], changed: [] });
  expect(logged.filter((line) => line.level >= 50)).toEqual([]);
}

describe('the store fails under DDL traffic', () => {
  it('loses nothing when the store and recorder connections are terminated mid-commit', async () => {
    const before = await commitCounts(storeServer.url('pggit'), APP);
    const storeAdmin = new pg.Client({ connectionString: storeServer.url('pggit') });
    const upstreamAdmin = new pg.Client({ connectionString: upstreamUrl() });
    await Promise.all([storeAdmin.connect(), upstreamAdmin.connect()]);
    const sessions = await openSessions('kill');
    const recorded = async (): Promise<number> => (await commitCounts(storeServer.url('pggit'), APP)).observed - before.observed;
    let storeKills = 0;
    let recorderKills = 0;
    for (let round = 0; round < KILL_ROUNDS; round++) {
      // The branch rows locked: the recorder's next write waits inside its write transaction.
      await storeAdmin.query('BEGIN');
      await storeAdmin.query('SELECT 1 FROM pggit.branches FOR UPDATE');
      // Traffic runs (the lock holds no client back) until a recorder connection was killed while reading the catalog.
      let killedReader = false;
      const readerKill = eventually(
        () => terminate(upstreamAdmin, `datname = '${APP}' AND application_name = 'pggit recorder' AND state <> 'idle'`),
        (n) => n > 0,
        'a recorder connection reading the catalog',
        30_000,
      ).finally(() => (killedReader = true));
      await Promise.all(sessions.map((session) => session.run(() => !killedReader)));
      recorderKills += await readerKill;
      storeKills += await eventually(
        () => terminate(storeAdmin, "application_name = 'pggit' AND wait_event_type = 'Lock'"),
        (n) => n > 0,
        'a store write waiting for the branch',
        30_000,
      );
      await storeAdmin.query('ROLLBACK');
      // The killed write is tried again: everything committed so far gets recorded.
      const expected = total(sessions);
      await eventually(recorded, (n) => n >= expected, `${expected} commits recorded`, 60_000);
    }
    await Promise.all([...sessions.map((session) => session.end()), storeAdmin.end(), upstreamAdmin.end()]);
    await expectNothingLost(total(sessions), before);
    console.log(`terminated ${storeKills} store and ${recorderKills} recorder connections mid-commit; ${total(sessions)} DDL transactions, all recorded`);
  }, 240_000);

  it(`loses nothing while the store is down (${STORE_DOWN_MS / 1000} s)`, async () => {
    const before = await commitCounts(storeServer.url('pggit'), APP);
    const port = storeServer.port;
    let down = true;
    const sessions = await openSessions('down');
    const traffic = Promise.all(sessions.map((session) => session.run(() => down)));
    await storeServer.stop();
    const stoppedAt = Date.now();
    // Traffic flows while the store is down: the sessions keep committing DDL (they would throw otherwise).
    await eventually(async () => serving.recorder!.isStoreUp, (up) => up === false, 'the recorder to notice the store is down', 30_000);
    await eventually(async () => Date.now() - stoppedAt, (ms) => ms >= STORE_DOWN_MS, 'the outage to last', STORE_DOWN_MS + 5_000);
    const queued = serving.recorder!.queueDepth;
    const duringOutage = total(sessions);
    storeServer = await startStoreServer(port);
    down = false;
    await traffic;
    await Promise.all(sessions.map((session) => session.end()));
    await expectNothingLost(total(sessions), before);
    console.log(`store down ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s: ${duringOutage} DDL transactions committed meanwhile (${queued} queued), ${total(sessions)} in all, all recorded`);
  }, 180_000 + STORE_DOWN_MS);
});
