// The recorder end to end: DDL through the proxy becomes commits in the
// store; DDL around the proxy and inside DO blocks is detected; the store
// being down loses nothing and never slows the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { ProxyMetrics } from '../src/metrics/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { eventually } from './harness/activity.js';
import { Relay } from './harness/relay.js';
import { expectStoredTreesMatchReplay } from './harness/replayed-trees.js';

const APP = 'rec_app';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let pools: CatalogPools;
let relay: Relay;
let client: pg.Client;
/** Reads the store without the relay, so assertions work while the recorder's path is cut. */
let storeReader: pg.Pool;
const registry = new Registry();

function urlFor(database: string, port?: number): string {
  const url = new URL(upstreamUrl());
  url.pathname = `/${database}`;
  if (port) url.port = String(port);
  return url.toString();
}

async function commits(): Promise<Array<{ kind: string; author: string | null; application_name: string | null; message: string; statements: string[] }>> {
  const { rows } = await storeReader.query(
    `SELECT c.kind, c.author, c.application_name, c.message, c.statements
       FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq`,
    [APP],
  );
  return rows;
}

async function headKeys(): Promise<string[]> {
  const { rows } = await storeReader.query(
    `SELECT b.head FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id WHERE r.name = $1 AND b.name = 'main'`,
    [APP],
  );
  return [...(await store.treeAt(rows[0].head, storeReader)).keys()].sort();
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const db of [APP, 'rec_store']) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  const upstream = new URL(upstreamUrl());
  relay = await Relay.start({ host: upstream.hostname, port: Number(upstream.port) });
  store = connectStore({ url: urlFor('rec_store', relay.port) });
  pools = new CatalogPools(upstreamUrl());
  const metrics = new ProxyMetrics(registry, { defaultMetrics: false });
  recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }), retryMs: 100, metrics });
  proxy = await startWiredProxy({
    onChangeSet: (cs) => recorder.submit(cs.session.database, cs),
    onSessionReady: (database) => recorder.noteDatabase(database),
  });
  client = new pg.Client({ connectionString: proxy.url({ database: APP }), application_name: 'rec-test' });
  await client.connect();
  await client.query('CREATE TABLE before_anything (id int)');
  await recorder.idle();
  storeReader = new pg.Pool({ connectionString: urlFor('rec_store'), max: 1 });
});

afterAll(async () => {
  await client.end();
  await proxy.stop();
  recorder.stop();
  await pools.end();
  await store.pool.end();
  await storeReader.end();
  await relay.close();
});

describe('recorder', () => {
  it('starts a new database with a baseline commit and records observed DDL with who ran it', async () => {
    await client.query('CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL)');
    await client.query('BEGIN');
    await client.query('ALTER TABLE users ADD COLUMN note text');
    await client.query('CREATE INDEX users_email ON users (email)');
    await client.query('COMMIT');
    await recorder.idle();
    const history = await commits();
    expect(history[0]!.kind).toBe('baseline');
    const observed = history.filter((c) => c.kind === 'observed');
    expect(observed.map((c) => c.statements)).toContainEqual([
      'ALTER TABLE users ADD COLUMN note text',
      'CREATE INDEX users_email ON users (email)',
    ]);
    const last = observed.at(-1)!;
    expect(last).toMatchObject({ author: 'postgres', application_name: 'rec-test' });
    expect(last.message).toBe('alter table users; create index users_email');
    expect(await headKeys()).toEqual(
      expect.arrayContaining(['table:public.users', 'index:public.users_email', 'constraint:public.users.users_pkey']),
    );
  });

  it('reads the baseline of a new database before its first session can change it', async () => {
    const admin = new pg.Client({ connectionString: upstreamUrl() });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS rec_first');
    await admin.query('CREATE DATABASE rec_first');
    await admin.end();
    const first = new pg.Client({ connectionString: proxy.url({ database: 'rec_first' }) });
    await first.connect();
    await first.query('CREATE TABLE made_first (id int)');
    await first.end();
    await recorder.idle();
    const { rows } = await storeReader.query(
      `SELECT c.kind, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id) AS keys
         FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = 'rec_first' ORDER BY c.seq`,
    );
    expect(rows.map((row) => row.kind)).toEqual(['baseline', 'observed']);
    expect(rows[0].keys).not.toContain('table:public.made_first');
    expect(rows[1].keys).toEqual(['table:public.made_first']);
  });

  it('takes the commit message from SET LOCAL pggit.message', async () => {
    await client.query('BEGIN');
    await client.query("SET LOCAL pggit.message = 'add the audit table'");
    await client.query('CREATE TABLE audit (id int)');
    await client.query('COMMIT');
    await client.query('CREATE TABLE audit2 (id int)');
    await recorder.idle();
    expect((await commits()).slice(-2).map((c) => c.message)).toEqual(['add the audit table', 'create table audit2']);
  });

  it('leaves out a commit message that ROLLBACK TO SAVEPOINT undid', async () => {
    await client.query('BEGIN');
    await client.query("SET LOCAL pggit.message = 'the message that stays'");
    await client.query('SAVEPOINT before_rename');
    await client.query("SET LOCAL pggit.message = 'a message rolled back'");
    await client.query('ROLLBACK TO SAVEPOINT before_rename');
    const { rows } = await client.query<{ message: string }>("SELECT current_setting('pggit.message') AS message");
    await client.query('CREATE TABLE audit3 (id int)');
    await client.query('COMMIT');
    await recorder.idle();
    expect((await commits()).at(-1)?.message).toBe(rows[0]!.message);
    expect(rows[0]!.message).toBe('the message that stays');
  });

  it('records a drop as the removal of the object and what hung off it', async () => {
    await client.query('DROP TABLE users');
    await recorder.idle();
    const keys = await headKeys();
    expect(keys.filter((key) => key.includes('users'))).toEqual([]);
  });

  it('records operators and publications (kinds read whole) in observed commits, and what a DROP CASCADE takes', async () => {
    const before = (await commits()).length;
    await client.query('CREATE FUNCTION same_parity(int, int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 % 2 = $2 % 2 $$');
    await client.query('CREATE OPERATOR ~~~ (FUNCTION = same_parity, LEFTARG = int, RIGHTARG = int)');
    await client.query('CREATE TABLE pub_items (id int PRIMARY KEY)');
    await client.query('CREATE PUBLICATION items_pub FOR TABLE pub_items');
    await recorder.idle();
    expect(await headKeys()).toEqual(expect.arrayContaining(['operator:public.~~~(integer,integer)', 'publication:items_pub']));
    await client.query('DROP FUNCTION same_parity(int, int) CASCADE');
    await client.query('ALTER PUBLICATION items_pub DROP TABLE pub_items');
    await recorder.idle();
    const keys = await headKeys();
    expect(keys).not.toContain('operator:public.~~~(integer,integer)');
    expect(keys).toContain('publication:items_pub');
    const added = (await commits()).slice(before);
    expect(added.map((commit) => [commit.kind, commit.message])).toEqual([
      ['observed', 'create function same_parity'],
      ['observed', 'create operator ~~~'],
      ['observed', 'create table pub_items'],
      ['observed', 'create publication items_pub'],
      ['observed', 'drop function same_parity'],
      ['observed', 'alter publication items_pub'],
    ]);
  });

  it('detects DDL run around the proxy and inside a DO block', async () => {
    const direct = new pg.Client({ connectionString: urlFor(APP) });
    await direct.connect();
    await direct.query('CREATE TABLE made_directly (id int)');
    await direct.end();
    recorder.scheduleReconcile(APP);
    await recorder.idle();
    await client.query("DO $$ BEGIN EXECUTE 'CREATE TABLE made_in_do (id int)'; END $$");
    await recorder.idle();
    const detected = (await commits()).filter((c) => c.kind === 'detected');
    expect(detected).toHaveLength(2);
    expect(detected.every((c) => c.author === null)).toBe(true);
    expect(await headKeys()).toEqual(expect.arrayContaining(['table:public.made_directly', 'table:public.made_in_do']));
  });

  it('keeps forwarding while the store is down and records everything once it is back', async () => {
    const port = relay.port;
    await relay.close();
    const before = (await commits()).length;
    await client.query('CREATE TABLE while_down_1 (id int)');
    await client.query('ALTER TABLE while_down_1 ADD COLUMN x int');
    expect((await client.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    // The recorder finds the store gone: the commits wait in its queue.
    await eventually(async () => recorder.isStoreUp, (up) => up === false, 'the recorder to find the store down');
    expect(recorder.queueDepth).toBeGreaterThan(0);
    const upstream = new URL(upstreamUrl());
    relay = await Relay.start({ host: upstream.hostname, port: Number(upstream.port) }, port);
    await recorder.idle();
    expect(recorder.isStoreUp).toBe(true);
    const after = await commits();
    expect(after.length).toBe(before + 2);
    expect(after.slice(-2).map((c) => c.statements)).toEqual([
      ['CREATE TABLE while_down_1 (id int)'],
      ['ALTER TABLE while_down_1 ADD COLUMN x int'],
    ]);
  });

  it('counts commits by kind, lag, queue depth and store status in the metrics', async () => {
    const text = await registry.metrics();
    const observed = (await commits()).filter((c) => c.kind === 'observed').length;
    const detected = (await commits()).filter((c) => c.kind !== 'observed').length;
    expect(text).toContain(`pggit_schema_commits_total{database="${APP}",branch="main",kind="observed"} ${observed}`);
    expect(text).toContain(`pggit_schema_commits_total{database="${APP}",branch="main",kind="detected"} ${detected}`);
    // Every observed commit (of every repository this recorder saw) has a lag sample.
    const lagCount = Number(/pggit_recorder_lag_seconds_count (\d+)/.exec(text)?.[1]);
    expect(lagCount).toBeGreaterThanOrEqual(observed);
    // One session at a time here: every snapshot was read alone.
    const snapshots = (read: string) => Number(new RegExp(`pggit_snapshot_reads_total\\{read="${read}"\\} (\\d+)`).exec(text)?.[1]);
    expect(snapshots('alone')).toBeGreaterThanOrEqual(observed);
    expect(snapshots('together')).toBe(0);
    expect(text).toContain('pggit_recorder_queue_depth 0');
    expect(text).toContain('pggit_store_up 1');
    expect(text).toMatch(new RegExp(`pggit_last_schema_commit_timestamp_seconds\\{database="${APP}",branch="main"\\} \\d+`));
  });
});

describe('stored trees of this history', () => {
  it('equal a full replay of the first-parent chain at every commit', async () => {
    expect(await expectStoredTreesMatchReplay(storeReader)).toBeGreaterThan(2);
  });
});
