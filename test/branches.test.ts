// Branches end to end through the proxy: create from main's head and from an
// older commit, reach a branch as "app@feature" and with
// options=-c pggit.branch=feature, DDL there lands on the branch's history
// only, unknown branches answer 3D000 with the list, --with-data copies rows
// exactly, delete with and without open sessions, concurrent creates, the
// CLI and the HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import { BranchError, createBranch, deleteBranch, listBranches, type BranchContext } from '../src/branch/index.js';
import type { Recorder } from '../src/history/index.js';
import { branchRoutes, startHttpServer, type RunningHttpServer } from '../src/http/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { uniqueAppName, UpstreamActivity } from './harness/activity.js';
import { runCli, runCliJson } from './harness/cli.js';
import { psql } from './harness/psql.js';
import { upstreamUrl, type TestProxy } from './harness/proxy.js';
import { startRecordingProxy } from './harness/recording-proxy.js';
import { expectStoredTreesMatchReplay } from './harness/replayed-trees.js';

const APP = 'br_app';
const STORE = 'br_store';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let stopRecording: (() => Promise<void>) | undefined;
let context: BranchContext;
let main: pg.Client;
let firstCommit: string;
let http: RunningHttpServer;
const open: pg.Client[] = [];

function storeUrl(): string {
  const url = new URL(upstreamUrl());
  url.pathname = `/${STORE}`;
  return url.toString();
}

function user(): string {
  return decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
}

/** A client through the proxy (config object: a URL path cannot carry "@" reliably). */
async function connect(database: string, options?: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: proxy.proxy.port, user: user(), database, ...(options ? { options } : {}) });
  client.on('error', () => undefined);
  await client.connect();
  open.push(client);
  return client;
}

async function direct(database: string): Promise<pg.Client> {
  const url = new URL(upstreamUrl());
  const client = new pg.Client({ host: url.hostname, port: Number(url.port), user: user(), database });
  await client.connect();
  open.push(client);
  return client;
}

async function head(branch: string): Promise<string> {
  const found = await store.branch(APP, branch);
  return found!.head!;
}

async function headKeys(branch: string): Promise<string[]> {
  return [...(await store.treeAt(await head(branch))).keys()].sort();
}

async function tables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
  return rows.map((row) => row.table_name);
}

async function checksum(client: pg.Client, table: string): Promise<{ count: number; md5: string }> {
  const { rows } = await client.query(`SELECT count(*)::int AS count, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS md5 FROM ${table} t`);
  return rows[0];
}

async function dropAll(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2 OR datname = $3`, [APP, `${APP}@%`, STORE]);
  for (const row of rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  await dropAll(admin);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  ({ proxy, recorder, store, stop: stopRecording } = await startRecordingProxy(storeUrl()));
  context = { store, upstreamUrl: upstreamUrl() };
  main = await connect(APP);
  await main.query(`CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)`);
  await main.query(`INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 500) g`);
  await recorder.idle();
  firstCommit = await head('main');
  await main.query(`CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users, note text, total numeric(10,2),
                      doubled numeric GENERATED ALWAYS AS (total * 2) STORED)`);
  await main.query(`INSERT INTO orders (user_id, note, total) SELECT 1 + g % 500, E'line\\nbreak ' || g, g / 7.0 FROM generate_series(1, 3000) g`);
  await recorder.idle();
  const registry = new Registry();
  http = await startHttpServer({ port: 0, registry, routes: branchRoutes({ context, apiToken: 'sekrit' }) });
});

afterAll(async () => {
  await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  await http?.close();
  await stopRecording?.();
});

describe('branches', () => {
  it('creates a branch from main\'s head and reaches it as app@feature', async () => {
    const created = await createBranch(context, { repository: APP, name: 'feature' });
    expect(created.head).toBe(await head('main'));
    expect(created.database).toBe(`${APP}@feature`);
    const client = await connect(`${APP}@feature`);
    expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(`${APP}@feature`);
    expect(await tables(client)).toEqual(['orders', 'users']);
    // Schema only: no rows.
    expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
    await client.end();
  });

  it('reaches the branch through options=-c pggit.branch=feature, and the option does not reach the server', async () => {
    for (const options of ['-c pggit.branch=feature', '--pggit.branch=feature', '-c statement_timeout=5000 -c pggit.branch=feature']) {
      const client = await connect(APP, options);
      expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(`${APP}@feature`);
      await expect(client.query('SHOW pggit.branch')).rejects.toMatchObject({ code: '42704' });
      if (options.includes('statement_timeout')) expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('5s');
      await client.end();
    }
  });

  it('records DDL on a branch in that branch\'s history and not in main\'s', async () => {
    const mainHead = await head('main');
    const client = await connect(`${APP}@feature`);
    await client.query('CREATE TABLE feature_only (id int)');
    await client.query('ALTER TABLE users ADD COLUMN email text');
    await client.end();
    await recorder.idle();
    expect(await head('main')).toBe(mainHead);
    expect(await headKeys('main')).not.toContain('table:public.feature_only');
    expect(await headKeys('feature')).toContain('table:public.feature_only');
    const { rows } = await store.pool.query(
      `SELECT c.branch, c.kind, c.database, c.statements FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 AND c.kind = 'observed' AND c.statements::text LIKE '%feature_only%'`,
      [APP],
    );
    expect(rows).toEqual([expect.objectContaining({ branch: 'feature', database: `${APP}@feature` })]);
    // The branch has no commit of kind detected: its database matched the recorded schema it was built from.
    const detected = await store.pool.query(
      `SELECT count(*)::int AS n FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 AND c.branch = 'feature' AND c.kind = 'detected'`,
      [APP],
    );
    expect(detected.rows[0].n).toBe(0);
  });

  it('shows the branch to psql and its commits to pggit log --branch', async () => {
    const branchUrl = `postgres://postgres@127.0.0.1:${proxy.proxy.port}/${encodeURIComponent(`${APP}@feature`)}`;
    const result = await psql(branchUrl, ['-At', '-c', 'SELECT current_database(), count(*) FROM pg_tables WHERE tablename = $$feature_only$$']);
    expect(result.stdout.trim()).toBe(`${APP}@feature|1`);
    const log = await runCliJson<{ branch: string; commits: Array<{ message: string; branch: string }> }>([
      'log', '--store', storeUrl(), '--db', APP, '--branch', 'feature', '--json',
    ]);
    expect(log.branch).toBe('feature');
    expect(log.commits.map((c) => c.message)).toContain('create table feature_only');
    const mainLog = await runCliJson<{ commits: Array<{ message: string }> }>(['log', '--store', storeUrl(), '--db', APP, '--json']);
    expect(mainLog.commits.map((c) => c.message)).not.toContain('create table feature_only');
  });

  it('cancels a query on a branch session', async () => {
    const application = uniqueAppName('branch-cancel');
    const sql = postgres({
      host: '127.0.0.1',
      port: proxy.proxy.port,
      user: 'postgres',
      database: `${APP}@feature`,
      max: 1,
      connection: { application_name: application },
    });
    const sleeping = sql`SELECT pg_sleep(30)`;
    const outcome = sleeping.then(
      () => 'finished',
      (error: { code?: string }) => error.code,
    );
    const observer = await UpstreamActivity.connect();
    try {
      await observer.waitForQuery(application, 'SELECT pg_sleep(30)');
    } finally {
      await observer.end();
    }
    sleeping.cancel();
    expect(await outcome).toBe('57014');
    expect((await sql`SELECT current_database() AS db`)[0]!.db).toBe(`${APP}@feature`);
    await sql.end();
  });

  it('answers an unknown branch with FATAL 3D000 naming the branches that exist', async () => {
    const attempt = connect(`${APP}@nope`);
    await expect(attempt).rejects.toMatchObject({ code: '3D000', severity: 'FATAL' });
    const error = (await attempt.catch((e: Error) => e)) as Error;
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain('feature, main');
    await expect(connect(APP, '-c pggit.branch=nope')).rejects.toMatchObject({ code: '3D000' });
  });

  it('creates a branch from an older commit with the schema as it was then', async () => {
    const created = await createBranch(context, { repository: APP, name: 'old', from: firstCommit.slice(0, 10) });
    expect(created.head).toBe(firstCommit);
    const client = await connect(`${APP}@old`);
    expect(await tables(client)).toEqual(['users']);
    await client.end();
  });

  it('copies every row exactly with --with-data', async () => {
    const progress: string[] = [];
    const created = await createBranch(context, { repository: APP, name: 'data', withData: true, onProgress: (p) => p.event === 'table-done' && progress.push(p.table) });
    expect(created.dataFrom).toBe('main');
    expect(progress.sort()).toEqual(['public.orders', 'public.users']);
    const source = await direct(APP);
    const copy = await connect(`${APP}@data`);
    for (const table of ['users', 'orders']) {
      const expected = await checksum(source, table);
      expect(expected.count).toBeGreaterThan(0);
      expect(await checksum(copy, table)).toEqual(expected);
    }
    // Sequences continue where the source is.
    const next = await copy.query(`INSERT INTO orders (user_id, total) VALUES (1, 1) RETURNING id`);
    expect(next.rows[0].id).toBe(3001);
    await copy.end();
  });

  it('refuses --with-data from a commit that is no branch\'s head', async () => {
    await expect(createBranch(context, { repository: APP, name: 'nodata', from: firstCommit, withData: true })).rejects.toMatchObject({ code: 'DATA_NEEDS_HEAD' });
    expect((await store.branch(APP, 'nodata'))).toBeUndefined();
  });

  it('lists branches with head, start, database, size and sessions', async () => {
    const holder = await connect(`${APP}@old`);
    const branches = await listBranches(context, APP);
    expect(branches.map((b) => b.name)).toEqual(['data', 'feature', 'main', 'old']);
    expect(branches.find((b) => b.name === 'feature')!.connections).toBe(0);
    const old = branches.find((b) => b.name === 'old')!;
    expect(old).toMatchObject({ database: `${APP}@old`, createdFrom: firstCommit, head: firstCommit });
    expect(old.connections).toBeGreaterThanOrEqual(1);
    expect(old.sizeBytes).toBeGreaterThan(0);
    await holder.end();
  });

  it('refuses to delete main, or a branch with open sessions unless forced', async () => {
    await expect(deleteBranch(context, { repository: APP, name: 'main' })).rejects.toMatchObject({ code: 'PROTECTED_BRANCH' });
    const client = await connect(`${APP}@feature`);
    await expect(deleteBranch(context, { repository: APP, name: 'feature' })).rejects.toMatchObject({ code: 'BRANCH_IN_USE' });
    expect(await store.branch(APP, 'feature')).toBeDefined();
    const deleted = await deleteBranch(context, { repository: APP, name: 'feature', force: true });
    expect(deleted.terminatedSessions).toBe(1); // the one client; pggit's own connections are not counted
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(await store.branch(APP, 'feature')).toBeUndefined();
    await expect(connect(`${APP}@feature`)).rejects.toMatchObject({ code: '3D000' });
    // History stays readable.
    const { rows } = await store.pool.query(
      `SELECT count(*)::int AS n FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 AND c.branch = 'feature'`,
      [APP],
    );
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it('deletes an idle branch without --force, and its name can be used again', async () => {
    await deleteBranch(context, { repository: APP, name: 'old' });
    const admin = await direct('postgres');
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [`${APP}@old`])).rowCount).toBe(0);
    await createBranch(context, { repository: APP, name: 'old', from: firstCommit });
    const again = await connect(`${APP}@old`);
    expect(await tables(again)).toEqual(['users']);
    await again.end();
  });

  it('ends two concurrent creates of one name with one branch and a clear error', async () => {
    const other = connectStore({ url: storeUrl() });
    try {
      const results = await Promise.allSettled([
        createBranch(context, { repository: APP, name: 'race', withData: true }),
        createBranch({ store: other, upstreamUrl: upstreamUrl() }, { repository: APP, name: 'race', withData: true }),
      ]);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(failed).toHaveLength(1);
      const reason = failed[0]!.reason as BranchError;
      expect(reason).toBeInstanceOf(BranchError);
      expect(['BRANCH_BUSY', 'BRANCH_EXISTS']).toContain(reason.code);
      expect(reason.message).toContain('"race"');
      expect((await listBranches(context, APP)).filter((b) => b.name === 'race')).toHaveLength(1);
      const raced = await connect(`${APP}@race`);
      expect(await tables(raced)).toEqual(['orders', 'users']);
      await raced.end();
    } finally {
      await other.pool.end();
    }
  });

  it('leaves nothing behind when creating fails half-way', async () => {
    const source = await direct(APP);
    // A row the recorded schema cannot hold makes the copy fail after the database exists.
    await source.query('ALTER TABLE users ALTER COLUMN name DROP NOT NULL');
    await source.query(`INSERT INTO users VALUES (100000, NULL)`);
    try {
      await expect(createBranch(context, { repository: APP, name: 'broken', from: await head('main'), withData: true })).rejects.toMatchObject({ code: 'COPY_FAILED' });
      expect(await store.branch(APP, 'broken')).toBeUndefined();
      const admin = await direct('postgres');
      expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [`${APP}@broken`])).rowCount).toBe(0);
    } finally {
      await source.query(`DELETE FROM users WHERE id = 100000`);
      await source.query('ALTER TABLE users ALTER COLUMN name SET NOT NULL');
    }
  });

  it('works from the command line', async () => {
    const env = { PGGIT_STORE_URL: storeUrl(), PGGIT_UPSTREAM: upstreamUrl() };
    const created = await runCli(['branch', 'create', 'cli', '--db', APP, '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'cli', database: `${APP}@cli` });
    const listed = await runCli(['branch', 'list', '--db', APP], env);
    expect(listed.stdout).toMatch(/^cli\s+[0-9a-f]{12}/m);
    const refused = await runCli(['branch', 'delete', 'main', '--db', APP], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot be deleted');
    const deleted = await runCli(['branch', 'delete', 'cli', '--db', APP], env);
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it('serves the same operations as JSON, changes only with the token', async () => {
    const base = `http://127.0.0.1:${http.port}/api/branches`;
    const list = await fetch(`${base}?db=${APP}`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { branches: Array<{ name: string }> }).branches.map((b: { name: string }) => b.name)).toContain('main');
    const body = JSON.stringify({ name: 'api', db: APP });
    expect((await fetch(base, { method: 'POST', body })).status).toBe(401);
    const created = await fetch(base, { method: 'POST', body, headers: { authorization: 'Bearer sekrit' } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'api' });
    const again = await fetch(base, { method: 'POST', body, headers: { authorization: 'Bearer sekrit' } });
    expect(again.status).toBe(409);
    const deleted = await fetch(`${base}/api?db=${APP}&force=1`, { method: 'DELETE', headers: { authorization: 'Bearer sekrit' } });
    expect(deleted.status).toBe(200);
    const closed = await startHttpServer({ port: 0, registry: new Registry(), routes: branchRoutes({ context, apiToken: undefined }) });
    try {
      const refused = await fetch(`http://127.0.0.1:${closed.port}/api/branches`, { method: 'POST', body });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toContain('--api-token');
    } finally {
      await closed.close();
    }
  });
});

describe('stored trees of this history', () => {
  it('equal a full replay of the first-parent chain at every commit', async () => {
    expect(await expectStoredTreesMatchReplay(store.pool)).toBeGreaterThan(2);
  });
});
