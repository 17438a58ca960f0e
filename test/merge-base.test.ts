// The merge base in the real store: the nearest common ancestor through
// every parent, merges recorded with two parents, and a criss-cross
// history (two nearest ancestors) answered with both, the most recent first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { isAncestor, mergeBase, openStore, type CommitMetadata, type HistoryStore } from '../src/store/index.js';
import { upstreamUrl } from './harness/proxy.js';

const STORE_DB = 'mg_base_store';
let store: HistoryStore;

const meta = (message: string, kind: CommitMetadata['kind'] = 'observed'): CommitMetadata => ({
  kind, author: 'alice', database: 'app', applicationName: 'test', clientAddress: null, backendPid: null, message, statements: [], committedAt: new Date(),
});

async function commit(branch: string, key: string, secondParent?: string): Promise<string> {
  const row = await store.record({ repository: 'app', branch, metadata: meta(`${branch} ${key}`, secondParent ? 'merge' : 'observed'), changes: new Map([[key, `CREATE TABLE ${key} ();`]]), ...(secondParent ? { secondParent } : {}) });
  return row!.id;
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${STORE_DB} WITH (FORCE)`);
  await admin.end();
  store = await openStore({ url: Object.assign(new URL(upstreamUrl()), { pathname: `/${STORE_DB}` }).toString() });
});

afterAll(async () => {
  await store?.pool.end();
});

describe('merge base', () => {
  it('is the nearest common ancestor, through second parents too, and names both bases of a criss-cross', async () => {
    const root = await commit('main', 'table:public.r');
    const repositoryId = await store.repositoryId('app');
    for (const name of ['x', 'y']) {
      await store.pool.query(`INSERT INTO pggit.branches (repository_id, name, head, database, created_from) VALUES ($1, $2, $3, $4, $3)`, [repositoryId, name, root, `app@${name}`]);
    }
    const x1 = await commit('x', 'table:public.x1');
    const y1 = await commit('y', 'table:public.y1');
    expect(await mergeBase(store.pool, x1, y1)).toEqual({ base: root, candidates: [root] });

    const x2 = await commit('x', 'table:public.x2', y1);
    const y2 = await commit('y', 'table:public.y2', x1);
    const parents = await store.pool.query<{ parents: string[] }>('SELECT parents FROM pggit.commits WHERE id = $1', [x2]);
    expect(parents.rows[0]!.parents).toEqual([x1, y1]);
    expect(await isAncestor(store.pool, y1, x2)).toBe(true);
    expect(await isAncestor(store.pool, y2, x2)).toBe(false);
    // y1 (recorded after x1) first: the pick is deterministic.
    expect(await mergeBase(store.pool, x2, y2)).toEqual({ base: y1, candidates: [y1, x1] });
    expect(await mergeBase(store.pool, x2, y1)).toEqual({ base: y1, candidates: [y1] });
  });
});
