// Eight sessions on two proxies, each started as `pggit proxy` starts (its
// own recorder and store connections, one shared store), commit DDL at once:
// every commit holds exactly its own session's change, and the history ends
// equal to the live schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { decodeObject, diffObjects, readCatalog, type Recorder } from '../src/history/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { expectStoredTreesMatchReplay } from './harness/replayed-trees.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'rec_concurrent';
const SESSIONS = 8;
const TRANSACTIONS_PER_SESSION = 50; // 400 in all

interface Node {
  readonly proxy: TestProxy;
  readonly recorder: Recorder;
}
const nodes: Node[] = [];
let store: HistoryStore;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${APP} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  for (let i = 0; i < 2; i++) {
    const proxy = await startTestProxy();
    nodes.push({ proxy, recorder: proxy.serving.recorder! });
  }
  store = connectStore({ url: urlFor('pggit') });
});

afterAll(async () => {
  for (const node of nodes) await node.proxy.stop();
  await store.pool.end();
});

/** One session: creates its table, then alters it again and again. */
async function session(index: number): Promise<void> {
  const node = nodes[index % 2]!;
  const client = new pg.Client({ connectionString: node.proxy.url({ database: APP }), application_name: `s${index}` });
  await client.connect();
  await client.query(`CREATE TABLE t_s${index} (id int)`);
  for (let n = 1; n < TRANSACTIONS_PER_SESSION; n++) {
    if (n % 2 === 0) {
      await client.query('BEGIN');
      await client.query(`ALTER TABLE t_s${index} ADD COLUMN c${n} int`);
      await client.query(`COMMENT ON COLUMN t_s${index}.c${n} IS 'step ${n}'`);
      await client.query('COMMIT');
    } else {
      await client.query(`ALTER TABLE t_s${index} ADD COLUMN c${n} text`);
    }
  }
  await client.end();
}

describe('recorder under concurrency', () => {
  it('gives every commit exactly its own session change and replays to the live schema', async () => {
    // Let both recorders baseline the database before the sessions start.
    for (const node of nodes) node.recorder.noteDatabase(APP);
    for (const node of nodes) await node.recorder.idle();
    await Promise.all(Array.from({ length: SESSIONS }, (_, i) => session(i)));
    for (const node of nodes) await node.recorder.idle();

    const { rows } = await store.pool.query(
      `SELECT c.id, c.application_name, c.statements, c.parents,
              array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
         FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 AND c.kind = 'observed' ORDER BY c.seq`,
      [APP],
    );
    expect(rows).toHaveLength(SESSIONS * TRANSACTIONS_PER_SESSION);
    for (const row of rows) {
      const own = `table:public.t_${row.application_name}`;
      expect(row.keys).toEqual([own]);
      expect(row.statements.every((text: string) => text.includes(`t_${row.application_name}`))).toBe(true);
    }
    // One line of history: every commit's parent is the one recorded before it.
    const parents = new Set(rows.map((row: { parents: string[] }) => row.parents[0]));
    expect(parents.size).toBe(rows.length);

    const head = (await store.branch(APP, 'main'))!.head!;
    const recorded = [...(await store.definitionsOf(await store.treeAt(head)))].map(([key, stored]) => decodeObject(key, stored));
    const live = new pg.Client({ connectionString: urlFor(APP) });
    await live.connect();
    const actual = await readCatalog(live);
    await live.end();
    const diff = diffObjects(recorded, actual);
    expect({ added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length }).toEqual({ added: 0, removed: 0, changed: 0 });
  }, 180_000);
});

describe('stored trees of this history', () => {
  it('equal a full replay of the first-parent chain at every commit', async () => {
    expect(await expectStoredTreesMatchReplay(store.pool)).toBeGreaterThan(2);
  });
});
