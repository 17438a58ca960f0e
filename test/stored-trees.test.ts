// Stored trees (sql/003): the tree read at any commit equals the full
// replay of its first-parent chain, across checkpoints, branches forking
// mid-chain and reverts to an earlier tree; HEAD~N and log agree with a
// plain walk; and a store made by the previous schema is upgraded in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  checkpointInterval,
  HistoryReader,
  loadMigrations,
  migrate,
  openStore,
  type CommitMetadata,
  type HistoryStore,
} from '../src/store/index.js';
import { upstreamUrl } from './harness/proxy.js';
import { expectStoredTreesMatchReplay } from './harness/replayed-trees.js';

const NEW_STORE = 'pggit_trees_new';
const OLD_STORE = 'pggit_trees_old';
const pools: pg.Pool[] = [];
const stores: HistoryStore[] = [];

function urlOf(database: string): string {
  return Object.assign(new URL(upstreamUrl()), { pathname: `/${database}` }).toString();
}

function meta(message: string): CommitMetadata {
  return { kind: 'observed', author: 'alice', database: 'app', applicationName: 'test', clientAddress: null, backendPid: null, message, statements: [message], committedAt: new Date() };
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const name of [NEW_STORE, OLD_STORE]) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${OLD_STORE}`);
  await admin.end();
});

afterAll(async () => {
  for (const store of stores) await store.pool.end();
  for (const pool of pools) await pool.end();
});

/** Changes of commit i of a made-up history: tables come, change and go. */
function changesOf(i: number): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  changes.set(`table:public.t${i % 7}`, `CREATE TABLE t${i % 7} (v${i} int)`);
  if (i % 5 === 0) changes.set(`table:public.extra${i}`, `CREATE TABLE extra${i} ()`);
  if (i % 5 === 3) changes.set(`table:public.extra${i - 3}`, null);
  return changes;
}

describe('stored trees', () => {
  it('read the same tree as a full replay at every commit, across checkpoints, forks and reverts', async () => {
    const store = await openStore({ url: urlOf(NEW_STORE) });
    stores.push(store);
    const repositoryId = await store.repositoryId('app');
    const record = (branch: string, message: string, changes: Map<string, string | null>) =>
      store.record({ repository: 'app', branch, metadata: meta(message), changes });
    const ids: string[] = [];
    // More commits than the interval of this small tree, so checkpoints recur along the chain.
    const commits = checkpointInterval(10) * 3 + 5;
    for (let i = 0; i < commits; i++) ids.push((await record('main', `main ${i}`, changesOf(i)))!.id);
    // A branch forks mid-chain, between two checkpoints, and goes its own way.
    const forkAt = ids[20]!;
    await store.pool.query(`INSERT INTO pggit.branches (repository_id, name, head, database) VALUES ($1, 'side', $2, 'app_side')`, [repositoryId, forkAt]);
    for (let i = 0; i < 25; i++) await record('side', `side ${i}`, new Map([[`table:public.side${i % 3}`, `CREATE TABLE side${i % 3} (s${i} int)`]]));
    // Back to an earlier tree: the same content address, stored once.
    const atFive = await store.treeAt(ids[5]!);
    const head = await store.definitionsOf(await store.treeAt(ids.at(-1)!));
    const back = new Map<string, string | null>([...head.keys()].filter((key) => !atFive.has(key)).map((key) => [key, null]));
    for (const [key, text] of await store.definitionsOf(atFive)) back.set(key, text);
    const reverted = (await record('main', 'back to commit 5', back))!;
    const main = (await store.pool.query<{ tree_hash: string }>('SELECT tree_hash FROM pggit.commits WHERE id = $1', [ids[5]])).rows[0]!;
    expect(reverted.treeHash).toBe(main.tree_hash);

    const checked = await expectStoredTreesMatchReplay(store.pool);
    expect(checked).toBe(commits + 25 + 1);
    const { rows } = await store.pool.query<{ checkpoints: number }>('SELECT count(*)::int AS checkpoints FROM pggit.commits WHERE checkpoint = id');
    expect(rows[0]!.checkpoints).toBeGreaterThanOrEqual(4);
  });

  it('walks HEAD~N and log like a plain first-parent walk', async () => {
    const store = stores[0]!;
    const reader = new HistoryReader(store.pool, '(test)');
    const head = (await store.branch('app', 'side'))!.head!;
    const chain: string[] = [];
    for (let id: string | undefined = head; id !== undefined; ) {
      chain.push(id);
      id = (await store.pool.query<{ parent: string | null }>('SELECT parents[1] AS parent FROM pggit.commits WHERE id = $1', [id])).rows[0]!.parent ?? undefined;
    }
    for (const steps of [0, 1, 7, 24, 25, 26, 40, chain.length - 1]) {
      expect(await reader.firstParentAncestor(head, steps), `HEAD~${steps}`).toEqual({ id: chain[steps], depth: steps });
    }
    expect(await reader.firstParentAncestor(head, chain.length + 3)).toEqual({ id: chain.at(-1), depth: chain.length - 1 });
    expect((await reader.firstParentRoot(head)).id).toBe(chain.at(-1));
    const log = await reader.ancestors(head, { limit: 30 });
    expect(log.map((c) => c.id)).toEqual(chain.slice(0, 30));
    const all = await reader.ancestors(head);
    expect(all.map((c) => c.id)).toEqual(chain);
    const touching = await reader.ancestors(head, { keys: ['table:public.side1'], limit: 3 });
    expect(touching.map((c) => c.message)).toEqual(['side 22', 'side 19', 'side 16']);
  });

  it('upgrades a store made by the previous schema: trees, depths and checkpoints for its whole history', async () => {
    const pool = new pg.Pool({ connectionString: urlOf(OLD_STORE), max: 2 });
    pools.push(pool);
    const migrations = await loadMigrations();
    const client = await pool.connect();
    try {
      await migrate(client, migrations.filter((m) => m.version <= 2));
      // A history written the way version 2 wrote it: commits, changes, definitions, branches.
      const { rows } = await client.query<{ id: number }>(`INSERT INTO pggit.repositories (name) VALUES ('old') RETURNING id`);
      const repositoryId = rows[0]!.id;
      const insert = async (id: string, parent: string | null, branch: string, changes: Map<string, string | null>) => {
        await client.query(
          `INSERT INTO pggit.definitions (hash, definition) SELECT md5(d), d FROM unnest($1::text[]) d ON CONFLICT DO NOTHING`,
          [[...changes.values()].filter((d) => d !== null)],
        );
        await client.query(
          `INSERT INTO pggit.commits (id, repository_id, parents, tree_hash, kind, branch, message, committed_at)
           VALUES ($1, $2, $3, 'v2-' || $1, 'observed', $4, $1, now())`,
          [id, repositoryId, parent === null ? [] : [parent], branch],
        );
        await client.query(
          `INSERT INTO pggit.changes (commit_id, key, definition_hash) SELECT $1, k, CASE WHEN d IS NULL THEN NULL ELSE md5(d) END
             FROM unnest($2::text[], $3::text[]) AS x(k, d)`,
          [id, [...changes.keys()], [...changes.values()]],
        );
      };
      const ids: string[] = [];
      for (let i = 0; i < 150; i++) {
        ids.push(`old${i}`);
        await insert(`old${i}`, ids[i - 1] ?? null, 'main', changesOf(i));
      }
      for (let i = 0; i < 70; i++) await insert(`fork${i}`, i === 0 ? 'old100' : `fork${i - 1}`, 'fork', changesOf(1000 + i));
      await client.query(`INSERT INTO pggit.branches (repository_id, name, head, database) VALUES ($1, 'main', 'old149', 'old'), ($1, 'fork', 'fork69', 'old_fork')`, [repositoryId]);

      expect(await migrate(client)).toBe(migrations.at(-1)!.version);
    } finally {
      client.release();
    }
    expect(await expectStoredTreesMatchReplay(pool)).toBe(220);
    const depths = await pool.query<{ id: string; depth: number }>(`SELECT id, depth FROM pggit.commits WHERE id IN ('old149', 'fork69')`);
    expect(Object.fromEntries(depths.rows.map((r) => [r.id, r.depth]))).toEqual({ old149: 149, fork69: 170 });

    // The upgraded store takes new commits on top of both branches.
    const store = await openStore({ url: urlOf(OLD_STORE) });
    stores.push(store);
    for (const branch of ['main', 'fork']) {
      await store.record({ repository: 'old', branch, metadata: meta(`new on ${branch}`), changes: new Map([['table:public.after', 'CREATE TABLE after ()']]) });
    }
    expect(await expectStoredTreesMatchReplay(store.pool)).toBe(222);
  });
});
