// How sessions end: a client leaving closes its upstream backend, and an
// upstream that cannot be reached or goes away gives the client a real
// ErrorResponse instead of a silent close.
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freePort } from '../src/cluster/index.js';
import { eventually, uniqueAppName, UpstreamActivity } from './harness/activity.js';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { Relay } from './harness/relay.js';

const SLEEP = 'SELECT pg_sleep(30)';
// PostgreSQL notices a vanished client during pg_sleep only when it checks;
// without this a backend would sleep on for 30 s after its socket closed.
const NOTICE_DISCONNECT = '-c client_connection_check_interval=100';

let upstream: UpstreamActivity;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  upstream = await UpstreamActivity.connect();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

afterAll(async () => {
  await upstream?.end();
});

async function proxyTo(target?: { host: string; port: number }): Promise<TestProxy> {
  const proxy = await startTestProxy(target ? { upstream: { kind: 'tcp', ...target } } : {});
  cleanup.push(() => proxy.stop());
  return proxy;
}

/** A node-postgres client through proxy; its 'error' events are kept, not thrown. */
async function session(proxy: TestProxy, applicationName: string): Promise<{ client: pg.Client; errors: Error[] }> {
  const client = new pg.Client({
    connectionString: proxy.url(),
    application_name: applicationName,
    options: NOTICE_DISCONNECT,
  });
  const errors: Error[] = [];
  client.on('error', (error) => errors.push(error));
  await client.connect();
  cleanup.push(() => client.end().catch(() => undefined));
  return { client, errors };
}

function socketOf(client: pg.Client): Socket {
  return (client as unknown as { connection: { stream: Socket } }).connection.stream;
}

function noSessionsLeft(proxy: TestProxy): Promise<number> {
  return eventually(async () => proxy.proxy.sessionCount, (n) => n === 0, 'the proxy to drop the session');
}

describe('client going away', () => {
  it('closes the upstream backend when the client ends the session cleanly', async () => {
    const proxy = await proxyTo();
    const app = uniqueAppName('clean-end');
    const { client } = await session(proxy, app);
    expect(await upstream.backends(app)).toBe(1);
    await client.end();
    await upstream.waitForBackends(app, 0);
    await noSessionsLeft(proxy);
  });

  it('closes the upstream backend when an idle client closes its socket without Terminate', async () => {
    const proxy = await proxyTo();
    const app = uniqueAppName('no-terminate');
    const { client } = await session(proxy, app);
    expect(await upstream.backends(app)).toBe(1);
    socketOf(client).end();
    await upstream.waitForBackends(app, 0);
    await noSessionsLeft(proxy);
  });

  it('closes the upstream backend when the client socket is destroyed mid-query', async () => {
    const proxy = await proxyTo();
    const app = uniqueAppName('abrupt');
    const { client } = await session(proxy, app);
    void client.query(SLEEP).catch(() => undefined);
    await upstream.waitForQuery(app, SLEEP);
    socketOf(client).resetAndDestroy();
    await upstream.waitForBackends(app, 0);
    await noSessionsLeft(proxy);
  });
});

describe('upstream failing', () => {
  it('gives the client FATAL 08001 when the upstream server is unreachable', async () => {
    const closedPort = await freePort();
    const proxy = await proxyTo({ host: '127.0.0.1', port: closedPort });
    const client = new pg.Client({ connectionString: proxy.url() });
    client.on('error', () => undefined);
    const connecting = client.connect();
    await expect(connecting).rejects.toMatchObject({ code: '08001', severity: 'FATAL' });
    await expect(connecting).rejects.toThrow(`127.0.0.1:${closedPort}`);
    await noSessionsLeft(proxy);
  });

  it('passes the server\'s own FATAL 57P01 through when the backend is terminated', async () => {
    const proxy = await proxyTo();
    const app = uniqueAppName('terminated');
    const { client } = await session(proxy, app);
    const sleeping = client.query(SLEEP);
    sleeping.catch(() => undefined);
    const pid = await upstream.waitForQuery(app, SLEEP);
    await upstream.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(sleeping).rejects.toMatchObject({
      code: '57P01',
      severity: 'FATAL',
      message: 'terminating connection due to administrator command',
    });
    await noSessionsLeft(proxy);
  });

  it('gives the client FATAL 08006 when the upstream connection dies without a message', async () => {
    const server = new URL(upstreamUrl());
    const relay = await Relay.start({ host: server.hostname, port: Number(server.port || 5432) });
    cleanup.push(() => relay.close());
    const proxy = await proxyTo({ host: '127.0.0.1', port: relay.port });
    const app = uniqueAppName('network-failure');
    const { client } = await session(proxy, app);
    const sleeping = client.query(SLEEP);
    sleeping.catch(() => undefined);
    await upstream.waitForQuery(app, SLEEP);
    relay.break();
    await expect(sleeping).rejects.toMatchObject({ code: '08006', severity: 'FATAL' });
    await noSessionsLeft(proxy);
  });
});
