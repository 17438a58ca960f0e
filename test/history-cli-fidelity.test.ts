// The fidelity promise of the history at small scale: a multi-step script
// (schema, enum that gains a value, partitions, functions and triggers,
// views over views, RLS, a rename, a drop, DDL hidden in a DO block) runs
// through the proxy by psql; after every step the live schema is dumped.
// Then, for every commit C, `pggit schema --at C` replayed into an empty
// database with psql -v ON_ERROR_STOP=1 gives the same pg_dump
// --schema-only as the live database had right after C.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { CatalogPools, Recorder, type LogResult } from '../src/history/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { runCli, runCliJson } from './harness/cli.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';
import { createScratchDatabase, dumpBlocks, dumpSchema, type ScratchDatabase } from './harness/scratch-database.js';

const STEPS = [
  `BEGIN;
   CREATE SCHEMA shop;
   CREATE TYPE shop.status AS ENUM ('new', 'paid');
   COMMIT;`,
  `CREATE TABLE shop.customers (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     email text NOT NULL UNIQUE,
     created_at timestamptz NOT NULL DEFAULT now());`,
  `BEGIN;
   CREATE TABLE shop.orders (
     id bigint GENERATED ALWAYS AS IDENTITY,
     customer_id bigint NOT NULL REFERENCES shop.customers,
     status shop.status NOT NULL DEFAULT 'new',
     placed_at date NOT NULL,
     PRIMARY KEY (id, placed_at)) PARTITION BY RANGE (placed_at);
   CREATE TABLE shop.orders_2026 PARTITION OF shop.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
   COMMIT;`,
  `ALTER TYPE shop.status ADD VALUE 'shipped';`,
  `BEGIN;
   CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;
   CREATE TRIGGER customers_touch BEFORE UPDATE ON shop.customers FOR EACH ROW EXECUTE FUNCTION shop.touch();
   COMMIT;`,
  `BEGIN;
   CREATE VIEW shop.order_counts AS SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY customer_id;
   CREATE VIEW shop.big_customers AS SELECT c.email, oc.n FROM shop.order_counts oc JOIN shop.customers c ON c.id = oc.customer_id WHERE oc.n > 10;
   COMMIT;`,
  `BEGIN;
   ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
   CREATE POLICY own_rows ON shop.customers USING (email = current_user);
   COMMENT ON TABLE shop.customers IS 'people who buy';
   COMMIT;`,
  `ALTER TABLE shop.customers RENAME COLUMN email TO email_address;`,
  `DROP VIEW shop.big_customers;`,
  `DO $$ BEGIN EXECUTE 'CREATE INDEX customers_created_idx ON shop.customers (created_at)'; END $$;`,
  `ALTER TABLE shop.orders ADD COLUMN note text;`,
];

let app: ScratchDatabase;
let storeDb: ScratchDatabase;
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let pools: CatalogPools;
let dir: string;
/** The branch head and the live schema (dumpBlocks) after the baseline and after each step. */
const states: Array<{ head: string; blocks: string[] }> = [];

async function head(): Promise<string> {
  const { rows } = await store.pool.query(
    `SELECT b.head FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id WHERE r.name = $1 AND b.name = 'main'`,
    [app.name],
  );
  return rows[0].head;
}

async function capture(): Promise<void> {
  await recorder.idle();
  states.push({ head: await head(), blocks: dumpBlocks(await dumpSchema(app.url)) });
}

beforeAll(async () => {
  [app, storeDb] = await Promise.all([createScratchDatabase('hfid_app'), createScratchDatabase('hfid_store')]);
  dir = await mkdtemp(join(tmpdir(), 'pggit-hfid-'));
  store = connectStore({ url: storeDb.url });
  pools = new CatalogPools(upstreamUrl());
  recorder = new Recorder({ store, pools, logger: pino({ level: 'warn' }), ignoreDatabases: [storeDb.name] });
  proxy = await startWiredProxy({
    onChangeSet: (cs) => recorder.submit(cs.session.database, cs),
    onSessionReady: (database) => recorder.noteDatabase(database),
  });
  recorder.noteDatabase(app.name);
  await capture(); // the baseline
  for (const [i, sql] of STEPS.entries()) {
    const file = join(dir, `step-${i}.sql`);
    await writeFile(file, sql);
    const result = await psql(proxy.url({ database: app.name }), ['-v', 'ON_ERROR_STOP=1', '-q', '-f', file]);
    if (result.code !== 0) throw new Error(`step ${i} failed: ${result.stderr}`);
    await capture();
  }
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  recorder?.stop();
  await pools?.end();
  await store?.pool.end();
  await Promise.all([app?.drop(), storeDb?.drop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pggit schema --at every commit', () => {
  it('records one commit per step, the DO block as detected', async () => {
    const log = await runCliJson<LogResult>(['log', '--store', storeDb.url, '--db', app.name]);
    expect(log.commits.map((commit) => commit.id)).toEqual(states.map((state) => state.head).reverse());
    expect(log.commits.map((commit) => commit.kind)).toEqual(['observed', 'detected', ...Array(9).fill('observed'), 'baseline']);
  });

  it('replays each commit into an empty database as the schema was right after it', async () => {
    const replays = await Promise.all(
      states.map(async (state, i) => {
        const shown = await runCli(['schema', '--at', state.head.slice(0, 10), '--store', storeDb.url, '--db', app.name]);
        if (shown.code !== 0) throw new Error(`schema --at ${state.head} failed: ${shown.stderr}`);
        const replay = await createScratchDatabase('hfid_replay');
        try {
          await replay.runSql(shown.stdout);
          return { step: i, blocks: dumpBlocks(await dumpSchema(replay.url)) };
        } finally {
          await replay.drop();
        }
      }),
    );
    for (const replay of replays) expect({ step: replay.step, schema: replay.blocks }).toEqual({ step: replay.step, schema: states[replay.step]!.blocks });
    // The steps really changed the schema each time (else the comparison proves little).
    expect(new Set(states.map((state) => state.blocks.join('\n'))).size).toBe(states.length);
  });
});
