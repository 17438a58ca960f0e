// A commit that cannot be scoped (a DO block that ran DDL) is read whole,
// which takes long enough that DROPs elsewhere in the database can defeat
// every retry of the read. New proxied DDL to that database waits for the
// read (bounded), as it waits for reconciliation's: here the read is made to
// wait on a lock a transaction outside pggit holds, and a second session's
// DDL must not go before the read is done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { loadParser, schemaChangesIn, type ChangeSet } from '../src/ddl/index.js';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { upstreamUrl } from './harness/proxy.js';
import { eventually } from './harness/activity.js';
import { freshDatabases } from './harness/history-check.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'rec_whole';
const STORE = 'rec_whole_store';
let pools: CatalogPools;
let store: HistoryStore;
let recorder: Recorder;
let admin: pg.Client;
let locker: pg.Client;

/** A transaction that ran `sql` and a DO block: the watcher cannot see all it did, so it is read whole. */
function unscoped(sql: string): ChangeSet {
  const session = { user: 'postgres', database: APP, applicationName: 'test', clientAddress: '127.0.0.1' };
  return { session, statements: schemaChangesIn(sql), committedAt: new Date(), mayContainUnseenDdl: true };
}

beforeAll(async () => {
  await loadParser();
  await freshDatabases([APP, STORE], [APP, STORE]);
  admin = new pg.Client({ connectionString: urlFor(APP) });
  await admin.connect();
  await admin.query('CREATE TABLE base (id int)');
  await admin.query('CREATE VIEW held AS SELECT id FROM base');
  locker = new pg.Client({ connectionString: urlFor(APP) });
  await locker.connect();
  pools = new CatalogPools(upstreamUrl());
  store = connectStore({ url: urlFor(STORE) });
  // No bound in practice: the test decides when the read may finish.
  recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }), wholeReadWaitMs: 60_000 });
  await recorder.noteDatabase(APP);
  await recorder.idle();
});

afterAll(async () => {
  await locker?.end(); // first: a failed run may have left its lock held
  recorder?.stop();
  await recorder?.idle();
  await admin?.end();
  await pools?.end();
  await store?.pool.end();
});

describe('a whole-catalog read', () => {
  it('holds new DDL to its database until it is done', async () => {
    // The read reaches the view's definition and waits for this lock.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
    const sql = 'CREATE TABLE made_with_a_do_block (id int)';
    await admin.query(sql);
    let read = false;
    const snapshotTaken = recorder.submit(APP, unscoped(sql))!;
    void snapshotTaken.then(() => (read = true));
    await eventually(
      async () => (await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> $2`, [APP, (locker as unknown as { processID: number }).processID])).rows[0].n,
      (n: number) => n > 0,
      'the whole read to wait for the lock',
    );

    // The submitted commit holds the attribution lock: without the wait, a new hold would be ready at once.
    const hold = recorder.ddlStarted(APP)!;
    expect(hold.ready).toBeDefined();
    let ready = false;
    const whenReady = hold.ready!.then(() => (ready = true));
    await admin.query('SELECT 1'); // a round trip: time for a hold that was not waiting to settle
    expect(ready).toBe(false);
    expect(read).toBe(false);

    await locker.query('COMMIT');
    // The read goes on once the lock is gone, and the hold with it.
    await whenReady;
    await snapshotTaken;
    hold.release();

    await recorder.idle();
    const reader = new pg.Client({ connectionString: urlFor(STORE) });
    await reader.connect();
    try {
      const { rows } = await reader.query(
        `SELECT c.kind FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq`,
        [APP],
      );
      // The baseline, then the DO block's table as an observed commit of its own.
      expect(rows.map((row) => row.kind)).toEqual(['baseline', 'observed']);
    } finally {
      await reader.end();
    }
  });
});
