// `pggit proxy` as users run it holds a schema change's ReadyForQuery until
// the recorder has read its snapshot: the session's next change cannot land
// in the previous commit's snapshot. One session adding columns back to back
// gets one commit per column, each adding exactly that column.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { eventually } from './harness/activity.js';
import { upstreamUrl } from './harness/proxy.js';
import { startProxyProcess, type ProxyProcess } from './harness/proxy-process.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'hold_app';
const STORE = 'hold_store';
const COLUMNS = 20;
let stateDir: string;
let proxy: ProxyProcess;
let store: HistoryStore;

async function holds(): Promise<number> {
  const text = await (await fetch(`${proxy.http}/metrics`)).text();
  return Number(/^pggit_ready_for_query_hold_seconds_count (\S+)$/m.exec(text)?.[1] ?? 'NaN');
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'pggit-hold-'));
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const db of [APP, STORE]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  proxy = await startProxyProcess(['--upstream', urlFor(APP), '--store', urlFor(STORE)], { PGGIT_STATE_DIR: stateDir });
  store = connectStore({ url: urlFor(STORE) });
});

afterAll(async () => {
  await proxy?.stop();
  await store?.pool.end();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('pggit proxy holds a schema change until its snapshot is read', () => {
  it('records each of a session\'s back-to-back changes on its own', async () => {
    const before = await holds();
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${APP}` });
    await client.connect();
    await client.query('CREATE TABLE hold_t (id int)');
    for (let i = 0; i < COLUMNS; i++) await client.query(`ALTER TABLE hold_t ADD COLUMN c${i} int`);
    await client.end();
    expect(await holds()).toBeGreaterThanOrEqual(before + COLUMNS + 1);
    const alterCommits = async () =>
      (
        await store.pool.query<{ message: string; id: string; parent: string }>(
          `SELECT c.message, c.id, c.parents[1] AS parent FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
            WHERE r.name = $1 AND c.kind = 'observed' AND c.message LIKE 'alter table%' ORDER BY c.seq`,
          [APP],
        )
      ).rows;
    const alters = await eventually(alterCommits, (rows) => rows.length >= COLUMNS, 'every ALTER recorded', 60_000);
    expect(alters).toHaveLength(COLUMNS);
    for (const [i, commit] of alters.entries()) {
      const table = (await store.definitionsOf(await store.treeAt(commit.id))).get('table:public.hold_t') ?? '';
      const previous = (await store.definitionsOf(await store.treeAt(commit.parent))).get('table:public.hold_t') ?? '';
      expect(table).toContain(`c${i} integer`);
      expect(previous).not.toContain(`c${i} integer`);
    }
  });
});
