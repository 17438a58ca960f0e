// A client dies at the worst moments: inside a transaction that changed the
// schema, halfway through a 100 MB COPY IN, while a big result is still
// streaming to it. Each time its server backend goes away (no leak), the
// transaction rolls back and nothing of it is recorded (no half-recorded
// commit), and a session running beside it never notices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually, uniqueAppName, UpstreamActivity } from './harness/activity.js';
import { freshDatabases, headVersusLive } from './harness/history-check.js';
import { startTestProxy, type DefaultTestProxy } from './harness/proxy.js';
import { RawClient, serialize } from './harness/raw-client.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'fault_client_app';
const COPY_BYTES = 100 * 1024 * 1024;

let proxy: DefaultTestProxy;
let activity: UpstreamActivity;
let bystander: pg.Client;
let bystanderQueries = 0;
let bystanderRunning: Promise<void>;
let stopBystander = false;

beforeAll(async () => {
  await freshDatabases([APP]);
  proxy = await startTestProxy();
  activity = await UpstreamActivity.connect();
  // The session beside the ones that die: queries and DDL without pause, every one checked.
  bystander = new pg.Client({ connectionString: proxy.url({ database: APP }), application_name: 'bystander' });
  await bystander.connect();
  bystanderRunning = (async () => {
    for (let n = 0; !stopBystander; n++) {
      expect((await bystander.query('SELECT $1::int AS n', [n])).rows).toEqual([{ n }]);
      if (n % 50 === 0) await bystander.query(`CREATE TABLE IF NOT EXISTS bystander_${n / 50} (id int)`);
      bystanderQueries++;
    }
  })();
});

afterAll(async () => {
  stopBystander = true;
  await bystanderRunning?.catch(() => undefined);
  await bystander?.end();
  await activity?.end();
  await proxy?.stop();
});

async function startup(applicationName: string): Promise<RawClient> {
  const client = await RawClient.connect(proxy.proxy.port);
  client.socket.write(serialize.startup({ user: 'postgres', database: APP, application_name: applicationName }));
  await client.waitFor((m) => m.name === 'readyForQuery');
  return client;
}

/** Sends a simple Query and waits for its ReadyForQuery. */
async function run(client: RawClient, sql: string): Promise<void> {
  const from = client.received.length;
  client.socket.write(serialize.query(sql));
  await client.waitFor((m) => m.name === 'readyForQuery', from);
  const failed = client.received.slice(from).find((m) => m.name === 'error');
  if (failed) throw new Error(`${sql}: ${(failed as unknown as { message: string }).message}`);
}

/** After a client died: no backend left, the bystander still answering, nothing of the transaction recorded. */
async function expectCleanDeath(applicationName: string, table: string): Promise<void> {
  await activity.waitForBackends(applicationName, 0);
  const queriesBefore = bystanderQueries;
  const { rows } = await activity.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
  expect(rows[0].n).toBe(0);
  const live = new pg.Client({ connectionString: urlFor(APP) });
  await live.connect();
  const exists = await live.query('SELECT to_regclass($1) AS oid', [table]);
  await live.end();
  expect(exists.rows[0].oid).toBeNull();
  await proxy.serving.recorder!.idle();
  const store = new pg.Client({ connectionString: urlFor('pggit') });
  await store.connect();
  const recorded = await store.query(
    `SELECT count(*)::int AS n FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
      WHERE r.name = $1 AND array_to_string(c.statements, ';') LIKE $2`,
    [APP, `%${table}%`],
  );
  await store.end();
  expect(recorded.rows[0].n).toBe(0);
  // The bystander's DDL goes on meanwhile: its newest table may not be recorded yet (the last test checks it all).
  const versus = await headVersusLive(urlFor('pggit'), APP, urlFor(APP));
  const ours = (keys: string[]): string[] => keys.filter((key) => !key.startsWith('table:public.bystander_'));
  expect({ added: ours(versus.added), removed: ours(versus.removed), changed: ours(versus.changed) }).toEqual({ added: [], removed: [], changed: [] });
  await eventually(async () => bystanderQueries, (n) => n > queriesBefore + 5, 'the bystander to go on');
}

describe('a client killed', () => {
  it('mid-transaction: its DDL rolls back and is not recorded, its backend ends', async () => {
    const name = uniqueAppName('kill-tx');
    const client = await startup(name);
    await run(client, 'BEGIN');
    await run(client, 'CREATE TABLE killed_in_tx (id int)');
    await run(client, 'ALTER TABLE killed_in_tx ADD COLUMN note text');
    client.socket.destroy();
    await expectCleanDeath(name, 'killed_in_tx');
  });

  it('mid-COPY IN of 100 MB: no rows, no commit, its backend ends', async () => {
    const name = uniqueAppName('kill-copy');
    const client = await startup(name);
    await run(client, 'BEGIN');
    await run(client, 'CREATE TABLE killed_in_copy (id int, payload text)');
    client.socket.write(serialize.query('COPY killed_in_copy FROM STDIN'));
    await client.waitFor((m) => m.name === 'copyInResponse');
    const row = Buffer.from(`1\t${'x'.repeat(1020)}\n`);
    const chunk = serialize.copyData(Buffer.concat(Array.from({ length: 256 }, () => row)));
    let sent = 0;
    // Half of the 100 MB, respecting backpressure, then the client dies.
    while (sent < COPY_BYTES / 2) {
      if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once('drain', resolve));
      sent += chunk.length;
    }
    expect(await activity.waitEvent(name).then(() => activity.backends(name))).toBe(1);
    client.socket.destroy();
    await expectCleanDeath(name, 'killed_in_copy');
  }, 120_000);

  it('mid-result: the server stops sending and its backend ends', async () => {
    const name = uniqueAppName('kill-result');
    const client = await startup(name);
    client.socket.write(serialize.query("SELECT g, repeat('y', 1000) FROM generate_series(1, 10000000) AS g"));
    await client.waitFor((m) => m.name === 'dataRow');
    client.socket.destroy();
    await expectCleanDeath(name, 'no_such_table');
  });

  it('leaves the bystander unharmed: every query answered, its DDL all recorded', async () => {
    stopBystander = true;
    await bystanderRunning;
    expect(bystanderQueries).toBeGreaterThan(20);
    await proxy.serving.recorder!.idle();
    const versus = await headVersusLive(urlFor('pggit'), APP, urlFor(APP));
    expect({ added: versus.added, removed: versus.removed, changed: versus.changed }).toEqual({ added: [], removed: [], changed: [] });
  });
});
