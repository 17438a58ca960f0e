// Exact attribution: each committed schema change lands in its own observed
// commit with its author, whatever search_path resolved its names (SET, SET
// LOCAL, startup options, role and database defaults, set_config), and a
// commit message set inside a one-Query transaction is kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'attr_app';
const STORE = 'attr_store';
const ROLE = 'attr_tenant';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let pools: CatalogPools;
let storeReader: pg.Pool;

interface CommitRow {
  kind: string;
  author: string | null;
  message: string;
  statements: string[];
  keys: string[];
}

async function commits(): Promise<CommitRow[]> {
  const { rows } = await storeReader.query<CommitRow>(
    `SELECT c.kind, c.author, c.message, c.statements, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
       FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq`,
    [APP],
  );
  return rows;
}

/** The last commit, after the recorder is idle: it must be observed and hold exactly `keys`. */
async function lastCommit(): Promise<CommitRow> {
  await recorder.idle();
  return (await commits()).at(-1)!;
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const db of [APP, STORE]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.query(`CREATE ROLE ${ROLE} LOGIN`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  const setup = new pg.Client({ connectionString: urlFor(APP) });
  await setup.connect();
  await setup.query(`CREATE SCHEMA app; CREATE SCHEMA tenant AUTHORIZATION ${ROLE}; CREATE SCHEMA dbwide`);
  await setup.query(`GRANT USAGE, CREATE ON SCHEMA dbwide TO ${ROLE}`);
  await setup.end();
  store = connectStore({ url: urlFor(STORE) });
  pools = new CatalogPools(upstreamUrl());
  recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }) });
  proxy = await startWiredProxy({
    onChangeSet: (cs) => recorder.submit(cs.session.database, cs),
    onSessionReady: (database) => recorder.noteDatabase(database),
  });
  storeReader = new pg.Pool({ connectionString: urlFor(STORE), max: 1 });
  await recorder.noteDatabase(APP);
  await recorder.idle();
});

afterAll(async () => {
  await proxy.stop();
  recorder.stop();
  await pools.end();
  await store.pool.end();
  await storeReader.end();
  const admin = new pg.Client({ connectionString: urlFor(APP) });
  await admin.connect();
  await admin.query(`DROP OWNED BY ${ROLE}`);
  await admin.end();
});

async function withClient<T>(config: pg.ClientConfig & { user?: string }, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { user, ...rest } = config;
  const client = new pg.Client({ connectionString: proxy.url({ database: APP, ...(user ? { user } : {}) }), ...rest });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('observed commits whatever search_path resolved the names', () => {
  it('SET search_path in the same Query (psql -c)', async () => {
    const result = await psql(proxy.url({ database: APP }), ['-c', 'SET search_path = app; CREATE TABLE by_set (a int)']);
    expect(result.code).toBe(0);
    expect(await lastCommit()).toMatchObject({ kind: 'observed', author: 'postgres', keys: ['table:app.by_set'] });
  });

  it('SET LOCAL search_path inside a transaction, and a drop through it', async () => {
    await withClient({}, async (client) => {
      await client.query('BEGIN');
      await client.query('SET LOCAL search_path = app');
      await client.query('CREATE TABLE by_set_local (a int PRIMARY KEY)');
      await client.query('COMMIT');
      expect(await lastCommit()).toMatchObject({
        kind: 'observed',
        keys: ['constraint:app.by_set_local.by_set_local_pkey', 'table:app.by_set_local'],
      });
      await client.query('BEGIN');
      await client.query('SET LOCAL search_path = app');
      await client.query('DROP TABLE by_set_local');
      await client.query('COMMIT');
    });
    const dropped = await lastCommit();
    expect(dropped).toMatchObject({ kind: 'observed', statements: ['DROP TABLE by_set_local'] });
    expect(dropped.keys).toEqual(['constraint:app.by_set_local.by_set_local_pkey', 'table:app.by_set_local']);
  });

  it('startup options (PGOPTIONS=-c search_path=app)', async () => {
    await withClient({ options: '-c search_path=app' }, (client) => client.query('CREATE TABLE by_options (a int)'));
    expect(await lastCommit()).toMatchObject({ kind: 'observed', author: 'postgres', keys: ['table:app.by_options'] });
  });

  it('role and database defaults (ALTER ROLE / ALTER DATABASE ... SET search_path)', async () => {
    const admin = new pg.Client({ connectionString: urlFor(APP) });
    await admin.connect();
    await admin.query(`ALTER ROLE ${ROLE} IN DATABASE ${APP} SET search_path = tenant`);
    await withClient({ user: ROLE }, (client) => client.query('CREATE TABLE by_role_default (a int)'));
    expect(await lastCommit()).toMatchObject({ kind: 'observed', author: ROLE, keys: ['table:tenant.by_role_default'] });
    await admin.query(`ALTER ROLE ${ROLE} IN DATABASE ${APP} RESET search_path`);
    await admin.query(`ALTER DATABASE ${APP} SET search_path = dbwide`);
    try {
      await withClient({ user: ROLE }, (client) => client.query('CREATE TABLE by_database_default (a int)'));
    } finally {
      await admin.query(`ALTER DATABASE ${APP} RESET search_path`);
      await admin.end();
    }
    expect(await lastCommit()).toMatchObject({ kind: 'observed', author: ROLE, keys: ['table:dbwide.by_database_default'] });
  });

  it('set_config()', async () => {
    await withClient({}, async (client) => {
      await client.query("SELECT set_config('search_path', 'app', false)");
      await client.query('CREATE TABLE by_set_config (a int)');
    });
    expect(await lastCommit()).toMatchObject({ kind: 'observed', keys: ['table:app.by_set_config'] });
  });

  it('leaves nothing for reconciliation to find', async () => {
    await recorder.scheduleReconcile(APP);
    await recorder.idle();
    expect((await commits()).filter((commit) => commit.kind === 'detected')).toEqual([]);
  });
});

describe('commit message', () => {
  it('is the same from one Query as from statements sent one by one', async () => {
    const oneQuery = await psql(proxy.url({ database: APP }), [
      '-c',
      "BEGIN; SET LOCAL pggit.message = 'one query'; CREATE TABLE msg_one (); COMMIT",
    ]);
    expect(oneQuery.code).toBe(0);
    expect(await lastCommit()).toMatchObject({ message: 'one query', keys: ['table:public.msg_one'] });
    await withClient({}, async (client) => {
      await client.query('BEGIN');
      await client.query("SET LOCAL pggit.message = 'one by one'");
      await client.query('CREATE TABLE msg_apart ()');
      await client.query('COMMIT');
    });
    expect(await lastCommit()).toMatchObject({ message: 'one by one', keys: ['table:public.msg_apart'] });
    const implicit = await psql(proxy.url({ database: APP }), ['-c', "SET LOCAL pggit.message = 'implicit block'; CREATE TABLE msg_implicit ()"]);
    expect(implicit.code).toBe(0);
    expect(await lastCommit()).toMatchObject({ message: 'implicit block', keys: ['table:public.msg_implicit'] });
  });
});

describe('reconciliation every second beside 500 DDL transactions (one proxy)', () => {
  const SESSIONS = 4;
  const PER_SESSION = 125;

  it('claims none of their changes: every commit is observed and holds its own session change', async () => {
    const database = 'attr_busy';
    const admin = new pg.Client({ connectionString: upstreamUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const busy = new Recorder({ store, pools, logger: pino({ level: 'silent' }) });
    const busyProxy = await startWiredProxy({
      onChangeSet: (cs) => busy.submit(cs.session.database, cs),
      onDdlStarted: (route) => busy.ddlStarted(route),
      onSessionReady: (db) => busy.noteDatabase(db),
    });
    busy.start(1_000);
    try {
      await Promise.all(
        Array.from({ length: SESSIONS }, async (_, index) => {
          const client = new pg.Client({ connectionString: busyProxy.url({ database }), application_name: `s${index}` });
          await client.connect();
          await client.query(`CREATE TABLE t_s${index} (id int)`);
          for (let n = 1; n < PER_SESSION; n++) {
            if (n % 3 === 0) {
              await client.query('BEGIN');
              await client.query(`ALTER TABLE t_s${index} ADD COLUMN c${n} int`);
              await client.query(`COMMENT ON COLUMN t_s${index}.c${n} IS 'step ${n}'`);
              await client.query('COMMIT');
            } else await client.query(`ALTER TABLE t_s${index} ADD COLUMN c${n} text`);
          }
          await client.end();
        }),
      );
      await busy.scheduleReconcile(database);
      await busy.idle();
    } finally {
      busy.stop();
      await busyProxy.stop();
    }
    const { rows } = await storeReader.query<{ kind: string; application_name: string; keys: string[] }>(
      `SELECT c.kind, c.application_name, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
         FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq`,
      [database],
    );
    expect(rows.map((row) => row.kind)).toEqual(['baseline', ...Array(SESSIONS * PER_SESSION).fill('observed')]);
    for (const row of rows.slice(1)) expect(row.keys).toEqual([`table:public.t_${row.application_name}`]);
  }, 300_000);
});
