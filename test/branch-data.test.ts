// Branches with data (issue 19): tables copied in parallel inside one
// exported snapshot, binary COPY where the types allow and text otherwise,
// indexes, constraints, triggers and materialized views built after the
// rows, progress while a table moves, a role that is not a superuser, and
// the command line's --jobs and JSON lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createBranch, type BranchContext, type CopyProgress } from '../src/branch/index.js';
import type { Recorder } from '../src/history/index.js';
import type { HistoryStore } from '../src/store/index.js';
import { runCli } from './harness/cli.js';
import { openClient, tableChecksum } from './harness/table-checksum.js';
import { upstreamUrl, type TestProxy } from './harness/proxy.js';
import { startRecordingProxy } from './harness/recording-proxy.js';

const APP = 'bd_app';
const OWNED = 'bd_owned';
const ROLE = 'bd_owner';
const STORE = 'bd_store';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let stop: (() => Promise<void>) | undefined;
let context: BranchContext;
const open: pg.Client[] = [];

function urlAs(user: string, database: string): string {
  const url = new URL(upstreamUrl());
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
}

function superuser(): string {
  return decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
}

function client(config: pg.ClientConfig): Promise<pg.Client> {
  return openClient(open, config);
}

/** Through the proxy, so the DDL is recorded. */
function throughProxy(database: string, user = superuser()): Promise<pg.Client> {
  return client({ host: '127.0.0.1', port: proxy.proxy.port, user, database });
}

function direct(database: string): Promise<pg.Client> {
  return client({ connectionString: urlAs(superuser(), database) });
}


async function definitions(db: pg.Client): Promise<string[]> {
  const { rows } = await db.query(`
    SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`);
  return rows.map((row) => row.def);
}

beforeAll(async () => {
  const admin = await direct('postgres');
  for (const db of [APP, OWNED, STORE]) {
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [db, `${db}@%`]);
    for (const row of rows) await admin.query(`DROP DATABASE ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
  }
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN CREATEDB`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.query(`CREATE DATABASE ${OWNED} OWNER ${ROLE}`);
  ({ proxy, recorder, store, stop } = await startRecordingProxy(urlAs(superuser(), STORE)));
  context = { store, upstreamUrl: upstreamUrl() };
  const app = await throughProxy(APP);
  await app.query(`CREATE TYPE mood AS ENUM ('low', 'high')`);
  await app.query(`CREATE TABLE people (id int PRIMARY KEY, name text UNIQUE, mood mood, moods mood[], CHECK (id > 0))`);
  await app.query(`CREATE TABLE audit (id serial PRIMARY KEY, note text)`);
  await app.query(`CREATE TABLE big (id bigint PRIMARY KEY, person int NOT NULL REFERENCES people, payload text, tags int[], at timestamptz DEFAULT now())`);
  await app.query(`CREATE INDEX big_payload ON big (payload)`);
  await app.query(`CREATE FUNCTION note_big() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.audit (note) VALUES ('big ' || NEW.id); RETURN NEW; END $$`);
  await app.query(`CREATE TRIGGER big_audit AFTER INSERT ON big FOR EACH ROW EXECUTE FUNCTION note_big()`);
  await app.query(`CREATE TABLE later (id int PRIMARY KEY)`);
  await app.query(`CREATE MATERIALIZED VIEW big_per_person AS SELECT person, count(*) AS n FROM big GROUP BY person`);
  await app.query(`INSERT INTO people SELECT g, 'person ' || g, CASE WHEN g % 2 = 0 THEN 'low' ELSE 'high' END::mood, ARRAY['low', NULL, 'high']::mood[] FROM generate_series(1, 300) g`);
  await app.query(`INSERT INTO big (id, person, payload, tags) SELECT g, 1 + g % 300, repeat(md5(g::text), 3) || E'\\n\\t"', ARRAY[g, NULL] FROM generate_series(1, 40000) g`);
  await app.query(`INSERT INTO later VALUES (1)`);
  await app.query(`REFRESH MATERIALIZED VIEW big_per_person`);
  await app.query('ANALYZE');
  await recorder.idle();
});

afterAll(async () => {
  await Promise.all(open.map((opened) => opened.end().catch(() => undefined)));
  await stop?.();
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${OWNED}%`]);
  for (const row of rows) await admin.query(`DROP DATABASE ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.end();
});

describe('branch create --with-data', () => {
  it('copies every table in parallel, binary where the types allow, and builds indexes, constraints and triggers after the rows', async () => {
    const events: CopyProgress[] = [];
    const created = await createBranch(context, { repository: APP, name: 'par', withData: true, jobs: 3, onProgress: (event) => events.push(event) });
    expect(created).toMatchObject({ method: 'copy', jobs: 3 });
    const formats = Object.fromEntries(created.tables.map((table) => [table.table, table.format]));
    // mood[] carries the enum's oid, which differs in the new database: text.
    expect(formats).toEqual({ 'public.big': 'binary', 'public.people': 'text', 'public.audit': 'binary', 'public.later': 'binary' });
    const source = await direct(APP);
    const branch = await direct(created.database);
    for (const table of ['people', 'big', 'audit', 'later', 'big_per_person']) {
      const expected = await tableChecksum(source, table);
      expect(expected.count, table).toBeGreaterThan(0);
      expect(await tableChecksum(branch, table), table).toEqual(expected);
    }
    // The trigger did not fire for copied rows (audit would have doubled); it and the keys work now.
    expect(await definitions(branch)).toEqual(await definitions(source));
    await branch.query(`INSERT INTO big (id, person) VALUES (0, 1)`);
    expect((await branch.query(`SELECT count(*)::int AS n FROM audit WHERE note = 'big 0'`)).rows[0].n).toBe(1);
    await expect(branch.query(`INSERT INTO big (id, person) VALUES (-1, 99999)`)).rejects.toMatchObject({ code: '23503' });
    await expect(branch.query(`INSERT INTO people (id) VALUES (-5)`)).rejects.toMatchObject({ code: '23514' });
    // Progress: the totals add up to the tables, and the run ends with post-data, then done.
    const kinds = events.map((event) => event.event);
    expect(kinds.slice(-2)).toEqual(['post-data', 'done']);
    const done = events.at(-1)!;
    expect(done.total).toMatchObject({ tables: 4, tablesDone: 4, rows: created.tables.reduce((sum, table) => sum + table.rows, 0) });
    expect(created.tables.find((table) => table.table === 'public.big')?.rows).toBe(40000);
  });

  it('reads every table as of the one snapshot the copy starts with, while clients write', async () => {
    // A row committed after the snapshot is exported but before any table is read: a worker
    // reading in a snapshot of its own would see it.
    const writer = await direct(APP);
    const created = await createBranch(context, {
      repository: APP,
      name: 'snap',
      withData: true,
      jobs: 2,
      onSnapshot: async () => void (await writer.query('INSERT INTO later VALUES (2)')),
    });
    const branch = await direct(created.database);
    expect((await branch.query('SELECT array_agg(id ORDER BY id) AS ids FROM later')).rows[0].ids).toEqual([1]);
    expect((await writer.query('SELECT count(*)::int AS n FROM later')).rows[0].n).toBe(2);
    await writer.query('DELETE FROM later WHERE id = 2');
  });

  it('splits a big table into page ranges copied at once, in the one snapshot, with one table in progress', async () => {
    const writer = await direct(APP);
    const events: CopyProgress[] = [];
    const created = await createBranch(context, {
      repository: APP,
      name: 'pieces',
      withData: true,
      jobs: 3,
      pieceBytes: 256 * 1024,
      progressIntervalMs: 0,
      onProgress: (event) => events.push(event),
      // Lands on the table's last page, in the open-ended last piece: after the snapshot, so not copied.
      onSnapshot: async () => void (await writer.query(`INSERT INTO big (id, person) VALUES (40001, 1)`)),
    });
    const big = created.tables.find((table) => table.table === 'public.big')!;
    expect(big.pieces).toBeGreaterThan(3);
    expect(big.rows).toBe(40000);
    const source = await direct(APP);
    await writer.query('DELETE FROM big WHERE id = 40001');
    expect(await tableChecksum(await direct(created.database), 'big')).toEqual(await tableChecksum(source, 'big'));
    // One table-done for it, its moving bytes growing, and totals that add up.
    const ofBig = events.filter((event) => 'table' in event && event.table === 'public.big');
    expect(ofBig.filter((event) => event.event === 'table-done')).toHaveLength(1);
    const bytes = ofBig.map((event) => ('bytes' in event ? event.bytes : 0));
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(events.at(-1)!.total).toMatchObject({ tables: 4, tablesDone: 4, rows: created.tables.reduce((sum, table) => sum + table.rows, 0) });
  });

  it('reports a large table\'s rows while it copies, not only when it ends', async () => {
    const events: CopyProgress[] = [];
    await createBranch(context, { repository: APP, name: 'moving', withData: true, jobs: 1, progressIntervalMs: 0, onProgress: (event) => events.push(event) });
    const big = events.filter((event) => 'table' in event && event.table === 'public.big');
    const moving = big.filter((event) => event.event === 'rows');
    expect(moving.length).toBeGreaterThan(3);
    expect(big.at(-1)?.event).toBe('table-done');
    const bytes = moving.map((event) => ('bytes' in event ? event.bytes : 0));
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(moving[0]!.total.rows).toBeLessThan(40000);
  });

  it('works from the command line with --jobs, printing progress as JSON lines', async () => {
    const env = { PGGIT_STORE_URL: urlAs(superuser(), STORE), PGGIT_UPSTREAM: upstreamUrl() };
    const result = await runCli(['branch', 'create', 'cli', '--db', APP, '--with-data', '--jobs', '2', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'cli', method: 'copy', jobs: 2 });
    const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as CopyProgress);
    expect(lines.filter((line) => line.event === 'table-done')).toHaveLength(4);
    expect(lines.at(-1)).toMatchObject({ event: 'done', total: { tablesDone: 4, jobs: 2 } });
    // Without --json: a line per table, and where TEMPLATE's speed is (--clone).
    const text = await runCli(['branch', 'create', 'clitext', '--db', APP, '--with-data', '--jobs', '2'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/\] public\.big: 40000 rows, .* \(binary\) in /);
    expect(text.stderr).toContain('use --clone');
    const refused = await runCli(['branch', 'create', 'nojobs', '--db', APP, '--with-data', '--jobs', '0'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--jobs must be a whole number');
  });
});

describe('branch create --with-data as a role that is not a superuser', () => {
  let owned: pg.Client;
  let asOwner: BranchContext;

  beforeAll(async () => {
    owned = await throughProxy(OWNED, ROLE);
    await owned.query(`CREATE TABLE parent (id int PRIMARY KEY)`);
    await owned.query(`CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent, note text)`);
    await owned.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no inserts'; END $$`);
    await owned.query(`INSERT INTO parent SELECT generate_series(1, 50)`);
    await owned.query(`INSERT INTO child SELECT g, 1 + g % 50, 'n' || g FROM generate_series(1, 500) g`);
    // A trigger that refuses every row: copying must not fire it.
    await owned.query(`CREATE TRIGGER child_refuse BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION refuse()`);
    await recorder.idle();
    asOwner = { store, upstreamUrl: urlAs(ROLE, 'postgres') };
  });

  it('gets a branch with data when it owns the tables', async () => {
    const check = await direct('postgres');
    expect((await check.query(`SELECT rolsuper FROM pg_roles WHERE rolname = $1`, [ROLE])).rows[0].rolsuper).toBe(false);
    const created = await createBranch(asOwner, { repository: OWNED, name: 'mine', withData: true });
    const branch = await direct(created.database);
    expect(await tableChecksum(branch, 'child')).toEqual(await tableChecksum(await direct(OWNED), 'child'));
    expect((await branch.query(`SELECT datdba::regrole::text AS owner FROM pg_database WHERE datname = current_database()`)).rows[0].owner).toBe(ROLE);
    await expect(branch.query(`INSERT INTO child VALUES (9999, 1)`)).rejects.toThrow('no inserts');
  });

  it('gets a clear error naming the privilege and its SQLSTATE when it cannot read a table', async () => {
    await owned.query(`REVOKE SELECT ON child FROM ${ROLE}`);
    await recorder.idle();
    try {
      const failure = createBranch(asOwner, { repository: OWNED, name: 'denied', withData: true });
      await expect(failure).rejects.toMatchObject({ code: 'COPY_FAILED' });
      await expect(failure).rejects.toThrow(/public\.child.*SQLSTATE 42501.*needs SELECT on public\.child/);
      expect(await store.branch(OWNED, 'denied')).toBeUndefined();
    } finally {
      await owned.query(`GRANT SELECT ON child TO ${ROLE}`);
    }
  });
});
