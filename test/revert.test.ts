// pggit revert end to end through a real proxy: DDL recorded from the wire,
// then `pggit revert` (the CLI, as a user runs it) undoes one commit on the
// branch's database, refuses to delete data without --force (saying how
// many rows), records a commit of kind revert, lists conflicts when a later
// commit changed the same object, and a revert of the revert restores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Recorder } from '../src/history/index.js';
import { Registry } from 'prom-client';
import { planRoutes, startHttpServer, type RunningHttpServer } from '../src/http/index.js';
import { HistoryReader, type HistoryStore } from '../src/store/index.js';
import { runCli, runCliJson } from './harness/cli.js';
import { upstreamUrl, type TestProxy } from './harness/proxy.js';
import { startRecordingProxy } from './harness/recording-proxy.js';
import { dumpBlocks, dumpSchema } from './harness/scratch-database.js';

const APP = 'rv_app';
const STORE = 'rv_store';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let stopRecording: (() => Promise<void>) | undefined;
let client: pg.Client;
let http: RunningHttpServer;

const databaseUrl = (name: string): string => {
  const url = new URL(upstreamUrl());
  url.pathname = `/${name}`;
  return url.toString();
};

const cli = (args: string[]) => runCli([...args, '--db', APP, '--store', databaseUrl(STORE), '--upstream', upstreamUrl()]);

async function head(): Promise<string> {
  await recorder.idle();
  return (await store.branch(APP, 'main'))!.head!;
}

async function run(sql: string): Promise<string> {
  await client.query(sql);
  return head();
}

async function dump(): Promise<string[]> {
  return dumpBlocks(await dumpSchema(databaseUrl(APP)));
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const name of [APP, STORE]) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  ({ proxy, recorder, store, stop: stopRecording } = await startRecordingProxy(databaseUrl(STORE)));
  const url = new URL(upstreamUrl());
  client = new pg.Client({ host: '127.0.0.1', port: proxy.proxy.port, user: decodeURIComponent(url.username || 'postgres'), database: APP });
  await client.connect();
  const context = { store, upstreamUrl: upstreamUrl() };
  http = await startHttpServer({ port: 0, registry: new Registry(), routes: planRoutes({ context, reader: new HistoryReader(store.pool, STORE), apiToken: 'sekrit' }) });
});

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await http?.close();
  await stopRecording?.();
});

describe('pggit revert', () => {
  it('undoes one commit, refuses to drop data without --force, records a revert, and a revert of it restores', async () => {
    await run(`CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 42) g`);
    const before = await dump();
    const added = await run(`ALTER TABLE users ADD COLUMN email text`);
    await client.query(`UPDATE users SET email = name || '@example.com'`);
    await run(`CREATE INDEX users_name_idx ON users (name)`);
    const withEmail = await dump();

    const dry = await runCliJson<{ statements: Array<{ sql: string }>; applied: boolean; conflicts: unknown[] }>(['revert', added.slice(0, 12), '--dry-run', '--json', '--db', APP, '--store', databaseUrl(STORE), '--upstream', upstreamUrl()]);
    expect(dry.applied).toBe(false);
    expect(dry.conflicts).toEqual([]);
    expect(dry.statements.map((s) => s.sql)).toEqual(['ALTER TABLE public.users DROP COLUMN email;']);

    const refused = await cli(['revert', added.slice(0, 12)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('drops column email and its data (42 rows)');
    expect(refused.stderr).toContain('--force');
    expect(await dump()).toEqual(withEmail);

    const done = await cli(['revert', added.slice(0, 12), '--force']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/applied 1 statement, recorded commit [0-9a-f]{12}/);
    const reverted = await head();
    const commit = await store.pool.query(`SELECT kind, message FROM pggit.commits WHERE id = $1`, [reverted]);
    expect(commit.rows[0].kind).toBe('revert');
    expect(commit.rows[0].message).toContain(`revert ${added.slice(0, 12)}`);
    const afterRevert = await dump();
    expect(afterRevert.some((block) => block.includes('email'))).toBe(false);
    expect(afterRevert.some((block) => block.includes('users_name_idx'))).toBe(true);

    // Reverting the revert brings the column back (empty: its data went with the drop).
    const again = await cli(['revert', reverted.slice(0, 12)]);
    expect(again.code, again.stderr).toBe(0);
    expect(await dump()).toEqual(withEmail);
    expect(before).not.toEqual(withEmail);
  }, 240_000); // five CLI processes: slow on a loaded machine

  it('lists conflicts and applies nothing when a later commit changed the same object', async () => {
    const addedNote = await run(`ALTER TABLE users ADD COLUMN note text`);
    await run(`ALTER TABLE users ALTER COLUMN note SET DEFAULT 'none'`);
    const state = await dump();
    const headBefore = await head();
    const result = await cli(['revert', addedNote.slice(0, 12), '--json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { applied: boolean; conflicts: Array<{ key: string; kind: string }> };
    expect(json.applied).toBe(false);
    const later = await head();
    expect(json.conflicts).toEqual([
      expect.objectContaining({
        key: 'table:public.users',
        kind: 'modify/modify',
        reason: `${addedNote.slice(0, 12)} changed it and commit ${later.slice(0, 12)} changed it again: putting back its old definition would undo the later change`,
        changedBy: { id: later, message: 'alter table users' },
      }),
    ]);
    const text = await cli(['revert', addedNote.slice(0, 12)]);
    expect(text.stdout).toContain(`table:public.users\n${' '.repeat(17)}${addedNote.slice(0, 12)} changed it and commit ${later.slice(0, 12)} changed it again`);
    expect(await dump()).toEqual(state);
    expect(await head()).toBe(headBefore);
  });

  it('answers GET /api/diff and POST /api/revert (behind the token) with the CLI\'s JSON', async () => {
    const last = await run(`CREATE TABLE audit (at timestamptz NOT NULL DEFAULT now())`);
    const base = `http://127.0.0.1:${http.port}/api`;
    const diffed = await fetch(`${base}/diff?db=${APP}&from=HEAD~1&to=HEAD`);
    expect(diffed.status).toBe(200);
    const plan = (await diffed.json()) as { statements: Array<{ sql: string; action: string }> };
    expect(plan.statements).toEqual([expect.objectContaining({ action: 'create', sql: expect.stringContaining('CREATE TABLE public.audit') })]);
    const live = (await (await fetch(`${base}/diff?db=${APP}&from=HEAD`)).json()) as { statements: unknown[]; to: string };
    expect(live, JSON.stringify(live)).toMatchObject({ statements: [] });
    expect(live.to).toContain('live');

    const body = JSON.stringify({ db: APP, ref: last, dryRun: true });
    expect((await fetch(`${base}/revert`, { method: 'POST', body })).status).toBe(401);
    const dry = await fetch(`${base}/revert`, { method: 'POST', body, headers: { authorization: 'Bearer sekrit' } });
    expect(dry.status).toBe(200);
    const result = (await dry.json()) as { applied: boolean; statements: Array<{ sql: string }> };
    expect(result.applied).toBe(false);
    expect(result.statements.map((s) => s.sql)).toEqual(['DROP TABLE public.audit;']);
    const refused = await fetch(`${base}/revert`, { method: 'POST', body: JSON.stringify({ db: APP, ref: last }), headers: { authorization: 'Bearer sekrit' } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'DESTRUCTIVE', message: expect.stringContaining('drops table public.audit and its data (0 rows)') });
  });

  it('keeps a rename seen on the wire a rename: diff between the two commits, and reverting it, say RENAME', async () => {
    await run(`CREATE TABLE people (id int PRIMARY KEY, full_name text); INSERT INTO people VALUES (1, 'Ada')`);
    const renamed = await run(`ALTER TABLE people RENAME COLUMN full_name TO display_name`);
    const result = (await (await fetch(`http://127.0.0.1:${http.port}/api/diff?db=${APP}&from=${renamed}~1&to=${renamed}`)).json()) as { statements: Array<{ sql: string; action: string }> };
    expect(result.statements).toEqual([expect.objectContaining({ action: 'rename', sql: 'ALTER TABLE public.people RENAME COLUMN full_name TO display_name;' })]);
    const undo = await fetch(`http://127.0.0.1:${http.port}/api/revert`, { method: 'POST', body: JSON.stringify({ db: APP, ref: renamed }), headers: { authorization: 'Bearer sekrit' } });
    expect(undo.status).toBe(200);
    expect(((await undo.json()) as { statements: Array<{ sql: string }> }).statements.map((s) => s.sql)).toEqual(['ALTER TABLE public.people RENAME COLUMN display_name TO full_name;']);
    expect((await client.query('SELECT full_name FROM people')).rows).toEqual([{ full_name: 'Ada' }]);
  });

  it('drops and builds an index CONCURRENTLY after the transaction, and records each revert', async () => {
    await run(`CREATE TABLE events (id int PRIMARY KEY, kind text); INSERT INTO events SELECT g, 'k' || (g % 5) FROM generate_series(1, 500) g`);
    const indexed = await run(`CREATE INDEX events_kind_idx ON events (kind)`);
    const undo = await runCliJson<{ statements: Array<{ sql: string; transactional: boolean; hazards: Array<{ kind: string }> }>; applied: boolean; commit: string }>(['revert', indexed.slice(0, 12), '--db', APP, '--store', databaseUrl(STORE), '--upstream', upstreamUrl()]);
    expect(undo.statements).toEqual([expect.objectContaining({ sql: 'DROP INDEX CONCURRENTLY public.events_kind_idx;', transactional: false })]);
    expect(undo.statements[0]!.hazards.map((h) => h.kind)).toEqual(expect.arrayContaining(['INDEX_DROPPED', 'NOT_TRANSACTIONAL']));
    expect(undo.applied).toBe(true);
    expect((await client.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'events_kind_idx'`)).rowCount).toBe(0);
    expect(await head()).toBe(undo.commit);
    const redo = await runCliJson<{ statements: Array<{ sql: string; transactional: boolean }>; applied: boolean }>(['revert', undo.commit.slice(0, 12), '--db', APP, '--store', databaseUrl(STORE), '--upstream', upstreamUrl()]);
    expect(redo.statements).toEqual([expect.objectContaining({ sql: expect.stringMatching(/^CREATE INDEX CONCURRENTLY events_kind_idx ON public\.events /), transactional: false })]);
    expect((await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.events_kind_idx'::regclass`)).rows).toEqual([{ indisvalid: true }]);
  }, 120_000);

  it('refuses while the database has a change the history has not recorded, and goes ahead once it is recorded', async () => {
    const made = await run(`CREATE TABLE drafts (id int)`);
    // A change around the proxy: only reconciliation would record it (and nothing schedules one here).
    const direct = new pg.Client({ connectionString: databaseUrl(APP) });
    await direct.connect();
    await direct.query(`CREATE TABLE around_proxy (id int)`);
    await direct.end();
    const refused = await cli(['revert', made.slice(0, 12), '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has changes the history has not recorded yet (table:public.around_proxy); nothing was changed');
    expect((await client.query(`SELECT to_regclass('public.drafts') IS NOT NULL AS present`)).rows).toEqual([{ present: true }]);
    await recorder.scheduleReconcile(APP);
    const detected = await head();
    const done = await cli(['revert', made.slice(0, 12), '--force']);
    expect(done.code, done.stderr).toBe(0);
    expect((await client.query(`SELECT to_regclass('public.drafts') IS NULL AS gone, to_regclass('public.around_proxy') IS NOT NULL AS kept`)).rows).toEqual([{ gone: true, kept: true }]);
    const revert = await head();
    expect((await store.pool.query(`SELECT parents FROM pggit.commits WHERE id = $1`, [revert])).rows[0].parents).toEqual([detected]);
  }, 120_000);

  it('keeps a rename made around the proxy a rename: the detected commit carries identities too', async () => {
    await run(`CREATE TABLE shelf (id int PRIMARY KEY, label text); INSERT INTO shelf VALUES (1, 'top')`);
    const direct = new pg.Client({ connectionString: databaseUrl(APP) });
    await direct.connect();
    await direct.query(`ALTER TABLE shelf RENAME TO shelves; ALTER TABLE shelves RENAME COLUMN label TO title`);
    await direct.end();
    await recorder.scheduleReconcile(APP);
    const detected = await head();
    expect((await store.pool.query(`SELECT kind FROM pggit.commits WHERE id = $1`, [detected])).rows).toEqual([{ kind: 'detected' }]);
    const result = (await (await fetch(`http://127.0.0.1:${http.port}/api/diff?db=${APP}&from=${detected}~1&to=${detected}`)).json()) as { statements: Array<{ sql: string; action: string }> };
    expect(result.statements.filter((s) => s.action === 'rename').map((s) => s.sql)).toEqual([
      'ALTER TABLE public.shelf RENAME TO shelves;',
      'ALTER TABLE public.shelves RENAME COLUMN label TO title;',
    ]);
    expect(result.statements.every((s) => !/DROP TABLE|DROP COLUMN/.test(s.sql))).toBe(true);
  });
});
