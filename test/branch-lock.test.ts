// withBranchLock: a branch operation that plans from the head, acts and
// records holds the branch the whole time; a commit another writer (the
// recorder, another proxy) records meanwhile waits for it and lands on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore, type CommitMetadata, type HistoryStore } from '../src/store/index.js';
import { upstreamUrl } from './harness/proxy.js';

const STORE_DB = 'pggit_branch_lock_test';
let holder: HistoryStore;
let other: HistoryStore;

function meta(message: string): CommitMetadata {
  return { kind: 'observed', author: 'alice', database: 'app', applicationName: 'test', clientAddress: null, backendPid: null, message, statements: [message], committedAt: new Date() };
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${STORE_DB} WITH (FORCE)`);
  await admin.end();
  const url = Object.assign(new URL(upstreamUrl()), { pathname: `/${STORE_DB}` }).toString();
  holder = await openStore({ url });
  other = await openStore({ url });
});

afterAll(async () => {
  await holder?.pool.end();
  await other?.pool.end();
});

describe('withBranchLock', () => {
  it('makes a concurrent commit wait, then land on the commit recorded under the lock', async () => {
    const first = await holder.record({ repository: 'app', branch: 'main', metadata: meta('CREATE TABLE a ()'), changes: new Map([['table:public.a', 'CREATE TABLE public.a ();']]) });
    let waiting: Promise<unknown> | undefined;
    const inside = await holder.withBranchLock('app', 'main', async (head, locked) => {
      expect(head).toBe(first!.id);
      waiting = other.record({ repository: 'app', branch: 'main', metadata: meta('CREATE TABLE c ()'), changes: new Map([['table:public.c', 'CREATE TABLE public.c ();']]) });
      // The other writer is blocked on the branch row, not done.
      const observer = await holder.pool.connect();
      try {
        for (;;) {
          const { rows } = await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`);
          if (rows[0].n > 0) break;
          await observer.query('SELECT pg_sleep(0.01)');
        }
      } finally {
        observer.release();
      }
      const [made] = await locked.record([{ repository: 'app', branch: 'main', metadata: meta('revert'), changes: new Map([['table:public.a', null]]) }]);
      return made!;
    });
    const landed = (await waiting) as { id: string; parents: string[] };
    expect(inside.parents).toEqual([first!.id]);
    expect(landed.parents).toEqual([inside.id]);
    expect((await other.branch('app', 'main'))!.head).toBe(landed.id);
  });

  it('records nothing when the operation fails: the head stays', async () => {
    const before = (await holder.branch('app', 'main'))!.head;
    await expect(
      holder.withBranchLock('app', 'main', async (_head, locked) => {
        await locked.record([{ repository: 'app', branch: 'main', metadata: meta('CREATE TABLE b ()'), changes: new Map([['table:public.b', 'CREATE TABLE public.b ();']]) }]);
        throw new Error('apply failed');
      }),
    ).rejects.toThrow('apply failed');
    expect((await holder.branch('app', 'main'))!.head).toBe(before);
    const next = await holder.record({ repository: 'app', branch: 'main', metadata: meta('CREATE TABLE d ()'), changes: new Map([['table:public.d', 'CREATE TABLE public.d ();']]) });
    expect(next!.parents).toEqual([before]);
  });
});
