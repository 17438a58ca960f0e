// The metadata store against a real server: migrations, commits and trees,
// and head moves serialised in the database across independent stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ensureStoreDatabase, openStore, migrate, loadMigrations, type HistoryStore, type CommitMetadata } from '../src/store/index.js';
import { upstreamUrl } from './harness/proxy.js';

const STORE_DB = 'pggit_store_test';
let storeUrl: string;
const stores: HistoryStore[] = [];

function meta(message: string, kind: CommitMetadata['kind'] = 'observed'): CommitMetadata {
  return {
    kind,
    author: 'alice',
    database: 'app',
    applicationName: 'test',
    clientAddress: '127.0.0.1',
    backendPid: 1,
    message,
    statements: [message],
    committedAt: new Date(),
  };
}

beforeAll(async () => {
  const url = new URL(upstreamUrl());
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${STORE_DB}`);
  await admin.end();
  url.pathname = `/${STORE_DB}`;
  storeUrl = url.toString();
});

afterAll(async () => {
  for (const store of stores) await store.pool.end();
});

async function open(): Promise<HistoryStore> {
  const store = await openStore({ url: storeUrl });
  stores.push(store);
  return store;
}

describe('metadata store', () => {
  it('creates its database and schema on first open and records the version', async () => {
    const store = await open();
    const { rows } = await store.pool.query('SELECT max(version)::int AS v FROM pggit.schema_version');
    expect(rows[0].v).toBe((await loadMigrations()).at(-1)!.version);
  });

  it('several proxies starting at once on a missing store database all open it', async () => {
    // Two CREATE DATABASE of one name at once: the loser gets 42P04 or a unique violation (23505).
    const names = Array.from({ length: 4 }, (_, i) => `pggit_store_race_${i}`);
    const admin = new pg.Client({ connectionString: upstreamUrl() });
    await admin.connect();
    try {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      const urls = names.map((name) => Object.assign(new URL(upstreamUrl()), { pathname: `/${name}` }).toString());
      const outcomes = await Promise.allSettled(urls.flatMap((url) => [ensureStoreDatabase(url), ensureStoreDatabase(url), ensureStoreDatabase(url)]));
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    } finally {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    }
  });

  it('refuses a store newer than the code', async () => {
    const store = await open();
    await store.pool.query("INSERT INTO pggit.schema_version (version, name) VALUES (9999, 'from the future')");
    const client = await store.pool.connect();
    try {
      await expect(migrate(client)).rejects.toThrow(/schema version 9999, newer than this pggit understands/);
    } finally {
      await store.pool.query('DELETE FROM pggit.schema_version WHERE version = 9999');
      client.release();
    }
  });

  it('chains commits and rebuilds the tree at any commit', async () => {
    const store = await open();
    await store.repositoryId('trees');
    const first = await store.record({
      repository: 'trees', branch: 'main', metadata: meta('create a, b'),
      changes: new Map([['table:public.a', 'CREATE TABLE a ()'], ['table:public.b', 'CREATE TABLE b ()']]),
    });
    const second = await store.record({
      repository: 'trees', branch: 'main', metadata: meta('drop a, change b'),
      changes: new Map([['table:public.a', null], ['table:public.b', 'CREATE TABLE b (x int)']]),
    });
    expect(second!.parents).toEqual([first!.id]);
    const atFirst = await store.definitionsOf(await store.treeAt(first!.id));
    const atSecond = await store.definitionsOf(await store.treeAt(second!.id));
    expect(Object.fromEntries(atFirst)).toEqual({ 'table:public.a': 'CREATE TABLE a ()', 'table:public.b': 'CREATE TABLE b ()' });
    expect(Object.fromEntries(atSecond)).toEqual({ 'table:public.b': 'CREATE TABLE b (x int)' });
    const unchanged = await store.record({
      repository: 'trees', branch: 'main', metadata: meta('nothing', 'detected'), skipIfUnchanged: true,
      changes: new Map([['table:public.b', 'CREATE TABLE b (x int)']]),
    });
    expect(unchanged).toBeUndefined();
  });

  it('serialises head moves from two independent stores without losing a commit', async () => {
    const [one, two] = [await open(), await open()];
    await one.repositoryId('race');
    const writes = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? one : two).record({
        repository: 'race', branch: 'main', metadata: meta(`commit ${i}`),
        changes: new Map([[`table:public.t${i}`, `CREATE TABLE t${i} ()`]]),
      }),
    );
    const commits = (await Promise.all(writes)).map((c) => c!);
    const head = (await one.branch('race', 'main'))!.head!;
    const tree = await one.treeAt(head);
    expect(tree.size).toBe(40);
    // A single chain: every commit but the root has exactly one parent, all distinct.
    const parents = commits.flatMap((c) => c.parents);
    expect(new Set(parents).size).toBe(parents.length);
    expect(commits.filter((c) => c.parents.length === 0)).toHaveLength(1);
  });

  it('puts a commit on the head another store moved since this one last wrote, and refuses a branch deleted meanwhile', async () => {
    const [one, two] = [await open(), await open()];
    await one.repositoryId('moved');
    const record = (store: HistoryStore, i: number) =>
      store.record({ repository: 'moved', branch: 'main', metadata: meta(`commit ${i}`), changes: new Map([[`table:public.t${i}`, `CREATE TABLE t${i} ()`]]) });
    const first = (await record(one, 1))!;
    const second = (await record(one, 2))!; // one's cached head is now second
    const third = (await record(two, 3))!;
    const fourth = (await record(one, 4))!;
    expect([second.parents, third.parents, fourth.parents]).toEqual([[first.id], [second.id], [third.id]]);
    expect([...(await one.treeAt(fourth.id)).keys()].sort()).toEqual(['table:public.t1', 'table:public.t2', 'table:public.t3', 'table:public.t4']);
    await one.pool.query(`UPDATE pggit.branches SET deleted_at = now() WHERE name = 'main' AND repository_id = (SELECT id FROM pggit.repositories WHERE name = 'moved')`);
    await expect(record(one, 5)).rejects.toMatchObject({ code: 'UNKNOWN_BRANCH' });
    const { rows } = await one.pool.query(`SELECT count(*)::int AS n FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = 'moved' AND c.message = 'commit 5'`);
    expect(rows[0].n).toBe(0);
  });

  it('records a batch of commits one on top of the other in one transaction, checkpoints included', async () => {
    const store = await openStore({ url: storeUrl });
    const fresh = await openStore({ url: storeUrl });
    try {
      await store.repositoryId('batch');
      // More commits than a checkpoint interval (16), so some commit in the batch stores its whole tree.
      const inputs = Array.from({ length: 40 }, (_, i) => ({
        repository: 'batch', branch: 'main', metadata: meta(`commit ${i}`),
        changes: new Map<string, string | null>(i === 20 ? [['table:public.t0', null]] : [[`table:public.t${i}`, `CREATE TABLE t${i} ()`]]),
      }));
      const skipped = { repository: 'batch', branch: 'main', metadata: meta('nothing', 'detected'), skipIfUnchanged: true, changes: new Map([['table:public.t1', 'CREATE TABLE t1 ()']]) };
      const commits = await store.recordMany([...inputs.slice(0, 30), skipped, ...inputs.slice(30)]);
      expect(commits[30]).toBeUndefined();
      const written = commits.filter((commit) => commit !== undefined);
      expect(written).toHaveLength(40);
      written.slice(1).forEach((commit, i) => expect(commit.parents).toEqual([written[i]!.id]));
      expect((await store.branch('batch', 'main'))!.head).toBe(written.at(-1)!.id);
      const tree = await store.treeAt(written.at(-1)!.id);
      expect(tree.size).toBe(38); // t0..t39 but t20, and t0 dropped
      expect(tree.has('table:public.t0')).toBe(false);
      // A fresh store (no cache) reads every commit's tree back as written.
      expect((await fresh.treeAt(written[25]!.id)).size).toBe(24);
      expect((await fresh.treeAt(written[10]!.id)).has('table:public.t0')).toBe(true);
    } finally {
      await store.pool.end();
      await fresh.pool.end();
    }
  });
});
