// CancelRequest through the proxy: a real pg_cancel_backend effect on the
// session's upstream backend, also when the cancel reaches another proxy.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import postgres from 'postgres';
import { UpstreamActivity, uniqueAppName } from './harness/activity.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';

const SLEEP = 'SELECT pg_sleep(30)';
// A cancel that does not work would leave the test waiting out the sleep.
const quick = { timeout: 15_000 };
let proxy: TestProxy;
let other: TestProxy;
let upstream: UpstreamActivity;

beforeAll(async () => {
  [proxy, other, upstream] = await Promise.all([startTestProxy(), startTestProxy(), UpstreamActivity.connect()]);
});

afterAll(async () => {
  await upstream?.end();
  await proxy?.stop();
  await other?.stop();
});

async function openSession(applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: proxy.url(), application_name: applicationName });
  await client.connect();
  return client;
}

/** Starts the sleep on client; resolves once the server runs it, with the query's outcome. */
async function startSleep(client: pg.Client, applicationName: string): Promise<{ outcome: Promise<unknown> }> {
  const outcome = client.query(SLEEP);
  outcome.catch(() => undefined);
  await upstream.waitForQuery(applicationName, SLEEP);
  return { outcome };
}

/** What every driver does: a new connection to `through` carrying the key of `client`'s session. */
function sendCancel(through: TestProxy, client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  return new Promise((resolve, reject) => {
    const socket = connect(through.proxy.port, '127.0.0.1', () => socket.end(serialize.cancel(processID, secretKey)));
    socket.once('error', reject);
    // Like the server, the proxy answers nothing and closes.
    socket.once('close', () => resolve());
  });
}

describe('cancel through the proxy', () => {
  it('hands the client the upstream backend\'s own process id in BackendKeyData', async () => {
    const client = await openSession(uniqueAppName('cancel-key'));
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    await client.end();
    expect((client as unknown as { processID: number }).processID).toBe(rows[0].pid);
  });

  it('cancels a running pg_sleep with SQLSTATE 57014 at once, and the session keeps working', quick, async () => {
    const app = uniqueAppName('cancel');
    const client = await openSession(app);
    const { outcome } = await startSleep(client, app);
    const started = Date.now();
    await sendCancel(proxy, client);
    await expect(outcome).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const { rows } = await client.query('SELECT 5 AS n');
    expect(rows[0].n).toBe(5);
    await client.end();
  });

  it('cancels a session of another proxy that shares the upstream server', quick, async () => {
    const app = uniqueAppName('cancel-other');
    const client = await openSession(app);
    const { outcome } = await startSleep(client, app);
    await sendCancel(other, client);
    await expect(outcome).rejects.toMatchObject({ code: '57014' });
    expect((await client.query('SELECT 6 AS n')).rows[0].n).toBe(6);
    await client.end();
  });

  it('cancels a postgres.js query through query.cancel()', quick, async () => {
    const app = uniqueAppName('cancel-postgresjs');
    const sql = postgres(proxy.url(), { connection: { application_name: app }, max: 1, onnotice: () => undefined });
    try {
      const sleeping = sql.unsafe(SLEEP).execute();
      sleeping.catch(() => undefined);
      await upstream.waitForQuery(app, SLEEP);
      sleeping.cancel();
      await expect(sleeping).rejects.toMatchObject({ code: '57014' });
      expect(await sql`SELECT 8 AS n`).toEqual([{ n: 8 }]);
    } finally {
      await sql.end();
    }
  });
});
