// `pggit branch prune`: --merged deletes branches whose head is in their
// parent's history, --idle-for those no session reached for that long;
// main is never pruned, branches with open sessions are skipped (and said
// so) unless --force; --dry-run deletes nothing; the space freed is what
// the dropped databases held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { BranchError, createBranch, listBranches, pruneBranches, type BranchContext } from '../src/branch/index.js';
import type { HistoryStore } from '../src/store/index.js';
import { eventually } from './harness/activity.js';
import { runCliJson } from './harness/cli.js';
import { freshDatabases } from './harness/history-check.js';
import { upstreamUrl } from './harness/proxy.js';
import { urlFor } from './harness/recorded-history.js';
import { startRecordingProxy, type RecordingProxy } from './harness/recording-proxy.js';

const APP = 'pr_app';
const STORE = 'pr_store';
const BRANCHES = ['done', 'work', 'busy', 'stale', 'fresh'];
let recording: RecordingProxy;
let store: HistoryStore;
let context: BranchContext;
const open: pg.Client[] = [];

const storeUrl = (): string => urlFor(STORE);

async function connect(database: string): Promise<pg.Client> {
  const user = decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
  const client = new pg.Client({ host: '127.0.0.1', port: recording.proxy.proxy.port, user, database });
  client.on('error', () => undefined);
  await client.connect();
  open.push(client);
  return client;
}

async function names(): Promise<string[]> {
  return (await listBranches(context, APP)).map((row) => row.name);
}

async function databases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: upstreamUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`${APP}@%`]);
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await freshDatabases([...BRANCHES.map((name) => `${APP}@${name}`), APP, STORE], [APP]);
  recording = await startRecordingProxy(storeUrl());
  store = recording.store;
  context = { store, upstreamUrl: upstreamUrl() };
  const main = await connect(APP);
  await main.query('CREATE TABLE accounts (id int PRIMARY KEY)');
  await recording.recorder.idle();
  for (const name of BRANCHES) await createBranch(context, { repository: APP, name });
  // work has a commit of its own (not merged); busy has a session open through the proxy.
  const work = await connect(`${APP}@work`);
  await work.query('CREATE TABLE drafts (id int)');
  await work.end();
  await connect(`${APP}@busy`);
  await recording.recorder.idle();
  // stale: no session for 20 days (its times set back in the store rather than waited for).
  await store.pool.query(
    `UPDATE pggit.branches b SET created_at = now() - interval '30 days', last_session_at = now() - interval '20 days'
       FROM pggit.repositories r WHERE r.id = b.repository_id AND r.name = $1 AND b.name = 'stale'`,
    [APP],
  );
});

afterAll(async () => {
  await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  await recording?.stop();
});

describe('branch prune', () => {
  it('needs a criterion, and a PostgreSQL interval for --idle-for', async () => {
    await expect(pruneBranches(context, { repository: APP })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const bad = await pruneBranches(context, { repository: APP, idleFor: 'a fortnight' }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(BranchError);
    expect((bad as Error).message).toContain('"a fortnight" is not a PostgreSQL interval');
  });

  it('--dry-run names what --merged would delete and skip, and deletes nothing', async () => {
    const before = await databases();
    const result = await pruneBranches(context, { repository: APP, merged: true, dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.deleted.map((row) => row.name).sort()).toEqual(['done', 'fresh', 'stale']);
    expect(result.skipped).toEqual([{ name: 'busy', reason: '1 open session (--force ends them)' }]);
    expect(result.deleted[0]!.reasons).toEqual(['merged into main']);
    expect(result.freedBytes).toBe(result.deleted.reduce((sum, row) => sum + row.sizeBytes, 0));
    expect(result.freedBytes).toBeGreaterThan(0);
    expect(await databases()).toEqual(before);
    expect(await names()).toEqual(['busy', 'done', 'fresh', 'main', 'stale', 'work']);
  });

  it('--idle-for deletes only branches no session reached for that long (the CLI, JSON)', async () => {
    const sizeOfStale = (await listBranches(context, APP)).find((row) => row.name === 'stale')!.sizeBytes!;
    const result = await runCliJson<{ deleted: Array<{ name: string; reasons: string[] }>; skipped: unknown[]; freedBytes: number }>(
      ['branch', 'prune', '--idle-for', '14d', '--db', APP, '--store', storeUrl(), '--upstream', upstreamUrl()],
    );
    expect(result.deleted.map((row) => row.name)).toEqual(['stale']);
    expect(result.deleted[0]!.reasons[0]).toMatch(/^last session /);
    expect(result.freedBytes).toBe(sizeOfStale);
    expect(result.skipped).toEqual([]);
    expect(await names()).not.toContain('stale');
    expect(await databases()).not.toContain(`${APP}@stale`);
  });

  it('--merged --idle-for needs both: a fresh merged branch stays', async () => {
    const result = await pruneBranches(context, { repository: APP, merged: true, idleFor: '1 hour' });
    expect(result.deleted).toEqual([]);
    expect(await names()).toContain('fresh');
  });

  it('--merged deletes merged branches, keeps the unmerged one and main, skips the busy one', async () => {
    const result = await pruneBranches(context, { repository: APP, merged: true });
    expect(result.deleted.map((row) => row.name).sort()).toEqual(['done', 'fresh']);
    expect(result.skipped.map((row) => row.name)).toEqual(['busy']);
    expect(await names()).toEqual(['busy', 'main', 'work']);
    expect(await databases()).toEqual([`${APP}@busy`, `${APP}@work`]);
  });

  it('--force ends the sessions of a matching branch and deletes it', async () => {
    const result = await pruneBranches(context, { repository: APP, merged: true, force: true });
    expect(result.deleted).toEqual([expect.objectContaining({ name: 'busy', terminatedSessions: 1 })]);
    expect(await names()).toEqual(['main', 'work']);
  });

  it('never prunes main, and says so when it matches', async () => {
    await store.pool.query(
      `UPDATE pggit.branches b SET created_at = now() - interval '30 days', last_session_at = NULL
         FROM pggit.repositories r WHERE r.id = b.repository_id AND r.name = $1 AND b.name = 'main'`,
      [APP],
    );
    await Promise.all(open.map((client) => client.end().catch(() => undefined)));
    // A backend goes a moment after its client: wait until the server shows none on main.
    await eventually(() => listBranches(context, APP), (rows) => rows.every((row) => row.connections === 0), 'no sessions left');
    const result = await pruneBranches(context, { repository: APP, idleFor: '14d' });
    expect(result.deleted).toEqual([]);
    expect(result.skipped).toEqual([{ name: 'main', reason: `main is the database "${APP}" itself and is never pruned` }]);
    expect(await names()).toEqual(['main', 'work']);
  });
});
