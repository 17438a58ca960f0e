// `pggit gc`: removes the history of branches deleted longer ago than
// --expire-deleted (what no other branch reaches), stored trees no commit
// has and definitions nothing names; keeps every history a live branch or a
// merge reaches; reports the store size; and never collects a definition
// that a recorder re-inserted in a transaction still writing its commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createBranch, deleteBranch, mergeBranches, type BranchContext } from '../src/branch/index.js';
import { collectGarbage, definitionHash, type HistoryStore } from '../src/store/index.js';
import { eventually } from './harness/activity.js';
import { runCli, runCliJson } from './harness/cli.js';
import { freshDatabases } from './harness/history-check.js';
import { upstreamUrl } from './harness/proxy.js';
import { urlFor } from './harness/recorded-history.js';
import { startRecordingProxy, type RecordingProxy } from './harness/recording-proxy.js';
import { expectStoredTreesMatchReplay } from './harness/replayed-trees.js';

const APP = 'gc_app';
const STORE = 'gc_store';
let recording: RecordingProxy;
let store: HistoryStore;
let context: BranchContext;
let gcPool: pg.Pool;
let tmpCommits: string[];
let landedCommits: string[];

const storeUrl = (): string => urlFor(STORE);

async function onBranch(branch: string, sql: string): Promise<void> {
  const user = decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
  const database = branch === 'main' ? APP : `${APP}@${branch}`;
  const client = new pg.Client({ host: '127.0.0.1', port: recording.proxy.proxy.port, user, database });
  await client.connect();
  await client.query(sql);
  await client.end();
  await recording.recorder.idle();
}

async function commitsOf(branch: string): Promise<string[]> {
  const { rows } = await store.pool.query<{ id: string }>(
    `SELECT c.id FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 AND c.branch = $2 ORDER BY c.seq`,
    [APP, branch],
  );
  return rows.map((row) => row.id);
}

async function existing(table: 'commits' | 'definitions' | 'trees', column: string, values: readonly string[]): Promise<number> {
  const { rows } = await store.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pggit.${table} WHERE ${column} = ANY($1)`, [values]);
  return rows[0]!.n;
}

async function tmpDefinitions(): Promise<string[]> {
  const { rows } = await store.pool.query<{ hash: string }>(
    `SELECT d.hash FROM pggit.definitions d WHERE d.definition LIKE '%tmp_only%'`,
  );
  return rows.map((row) => row.hash);
}

beforeAll(async () => {
  await freshDatabases([`${APP}@tmp`, `${APP}@landed`, APP, STORE], [APP]);
  recording = await startRecordingProxy(storeUrl());
  store = recording.store;
  context = { store, upstreamUrl: upstreamUrl() };
  gcPool = new pg.Pool({ connectionString: storeUrl(), application_name: 'pggit-gc-under-test', max: 2 });
  await onBranch('main', 'CREATE TABLE base_t (id int PRIMARY KEY)');
  // tmp: history of its own, then deleted. landed: merged into main, then deleted.
  await createBranch(context, { repository: APP, name: 'tmp' });
  await onBranch('tmp', 'CREATE TABLE tmp_only (id int, note text)');
  await onBranch('tmp', 'ALTER TABLE tmp_only ADD COLUMN more int');
  // A big definition (300 kB that do not compress), so that removing it shows in the store's size on disk.
  await onBranch('tmp', `CREATE FUNCTION tmp_only_big() RETURNS text LANGUAGE sql AS $$ SELECT '${randomBytes(150_000).toString('hex')}' $$`);
  await createBranch(context, { repository: APP, name: 'landed' });
  await onBranch('landed', 'CREATE TABLE landed_t (id int)');
  const merged = await mergeBranches(context, { repository: APP, source: 'landed' });
  expect(merged).toMatchObject({ conflicts: [], inProgress: false });
  tmpCommits = await commitsOf('tmp');
  landedCommits = await commitsOf('landed');
  await deleteBranch(context, { repository: APP, name: 'tmp' });
  await deleteBranch(context, { repository: APP, name: 'landed' });
});

afterAll(async () => {
  await gcPool?.end();
  await recording?.stop();
});

describe('gc', () => {
  it('removes nothing from a store where everything is referenced (deleted branches keep their history by default)', async () => {
    const result = await collectGarbage(gcPool);
    expect(result.removed).toEqual({ branches: 0, commits: 0, trees: 0, definitions: 0 });
    expect(result.storeBytesBefore).toBeGreaterThan(0);
    expect(await existing('commits', 'id', tmpCommits)).toBe(tmpCommits.length);
    const recent = await collectGarbage(gcPool, { expireDeleted: '1 hour' });
    expect(recent.removed.branches).toBe(0);
  });

  it('--dry-run counts the expired history and changes nothing', async () => {
    const definitions = await tmpDefinitions();
    expect(definitions.length).toBeGreaterThan(0);
    const result = await collectGarbage(gcPool, { expireDeleted: '0', dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.removed.branches).toBe(2);
    expect(result.removed.commits).toBe(tmpCommits.length);
    expect(result.removed.definitions).toBeGreaterThanOrEqual(definitions.length);
    expect(await existing('commits', 'id', tmpCommits)).toBe(tmpCommits.length);
    expect(await existing('definitions', 'hash', definitions)).toBe(definitions.length);
  });

  it('removes the history only the expired branch reached, keeps what main reaches, and every stored tree still replays', async () => {
    const definitions = await tmpDefinitions();
    const result = await runCliJson<{ removed: Record<string, number>; storeBytesBefore: number; storeBytesAfter: number }>(
      ['gc', '--expire-deleted', '0', '--full', '--store', storeUrl()],
    );
    expect(result.removed).toMatchObject({ branches: 2, commits: tmpCommits.length });
    expect(result.removed['definitions']).toBeGreaterThanOrEqual(definitions.length);
    expect(result.storeBytesAfter).toBeGreaterThan(0);
    // --full rewrote the tables: the store is smaller on disk.
    expect(result.storeBytesAfter).toBeLessThan(result.storeBytesBefore);
    expect(await existing('commits', 'id', tmpCommits)).toBe(0);
    expect(await existing('definitions', 'hash', definitions)).toBe(0);
    // landed's commits are main's history now (the merge's second parent).
    expect(await existing('commits', 'id', landedCommits)).toBe(landedCommits.length);
    const main = await store.branch(APP, 'main');
    expect([...(await store.treeAt(main!.head)).keys()]).toEqual(expect.arrayContaining(['table:public.base_t', 'table:public.landed_t']));
    expect(await expectStoredTreesMatchReplay(store.pool)).toBeGreaterThan(0);
    // The recorder goes on recording on main.
    await onBranch('main', 'CREATE TABLE after_gc (id int)');
    expect([...(await store.treeAt((await store.branch(APP, 'main'))!.head)).keys()]).toContain('table:public.after_gc');
  });

  it('removes a definition and a tree nothing refers to', async () => {
    const orphan = definitionHash('CREATE TABLE nobody ()');
    await store.pool.query('INSERT INTO pggit.definitions (hash, definition) VALUES ($1, $2)', [orphan, 'CREATE TABLE nobody ()']);
    await store.pool.query(`INSERT INTO pggit.trees (hash, keys, definition_hashes) VALUES ('no-commit-has-this-tree', '{table:public.nobody}', $1)`, [[orphan]]);
    const result = await collectGarbage(gcPool);
    expect(result.removed).toEqual({ branches: 0, commits: 0, trees: 1, definitions: 1 });
    expect(await existing('definitions', 'hash', [orphan])).toBe(0);
  });

  it('keeps an unreferenced definition that a writer re-inserted while its commit is still being written', async () => {
    const text = 'CREATE TABLE public.raced (id integer)';
    const hash = definitionHash(text);
    await store.pool.query('INSERT INTO pggit.definitions (hash, definition) VALUES ($1, $2)', [hash, text]);
    const repositoryId = await store.repositoryId('gc_raced');
    const writer = await store.pool.connect();
    try {
      // What writeCommits does: the definition first (ON CONFLICT DO NOTHING: it exists, no row lock) ...
      await writer.query('BEGIN');
      await writer.query('INSERT INTO pggit.definitions (hash, definition) VALUES ($1, $2) ON CONFLICT DO NOTHING', [hash, text]);
      const collecting = collectGarbage(gcPool);
      // ... gc waits for the writer's lock ...
      await eventually(
        async () => (await store.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pggit-gc-under-test' AND wait_event_type = 'Lock'`)).rows[0].n,
        (n: number) => n === 1,
        'gc waiting for the writer',
      );
      // ... while the writer stores the commit that refers to it.
      const id = 'raced-root-commit';
      await writer.query(`INSERT INTO pggit.trees (hash, keys, definition_hashes) VALUES ('raced-tree', '{table:public.raced}', $1)`, [[hash]]);
      await writer.query(
        `INSERT INTO pggit.commits (id, repository_id, parents, tree_hash, kind, branch, message, committed_at, depth, checkpoint)
         VALUES ($1, $2, '{}', 'raced-tree', 'baseline', 'main', 'raced', now(), 0, $1)`,
        [id, repositoryId],
      );
      await writer.query(`INSERT INTO pggit.changes (commit_id, key, definition_hash) VALUES ($1, 'table:public.raced', $2)`, [id, hash]);
      await writer.query(`UPDATE pggit.branches SET head = $1 WHERE repository_id = $2 AND name = 'main'`, [id, repositoryId]);
      await writer.query('COMMIT');
      const result = await collecting;
      expect(result.removed).toEqual({ branches: 0, commits: 0, trees: 0, definitions: 0 });
      expect([...(await store.treeAt(id))]).toEqual([['table:public.raced', hash]]);
    } finally {
      writer.release();
    }
  });

  it('gives up after --lock-timeout rather than hold writers up, and removes nothing', async () => {
    const writer = await store.pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO pggit.definitions (hash, definition) VALUES ('held', 'held') ON CONFLICT DO NOTHING`);
      await expect(collectGarbage(gcPool, { lockTimeoutMs: 200 })).rejects.toMatchObject({ code: '55P03' });
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
  });

  it('refuses an --expire-deleted that is not an interval, with a usage error', async () => {
    const result = await runCli(['gc', '--expire-deleted', 'last tuesday-ish', '--store', storeUrl()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a PostgreSQL interval');
  });
});
