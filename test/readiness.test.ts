// Readiness follows what clients need: with the metadata store down, traffic
// flows and /readyz stays 200; the store's state shows on /healthz and in
// pggit_store_up. With the upstream down, /readyz is 503.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { serve, type Serving } from '../src/cli/serve.js';
import { freePort } from '../src/cluster/index.js';
import { upstreamFromUrl } from '../src/proxy/index.js';
import { eventually } from './harness/activity.js';
import { upstreamUrl } from './harness/proxy.js';

let storeDown: Serving;
let upstreamDown: Serving;

async function start(upstream: string, store: string): Promise<Serving> {
  return serve({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamFromUrl(upstream),
    upstreamUrl: upstream,
    storeUrl: store,
    reconcileIntervalMs: 60_000,
    http: { host: '127.0.0.1', port: 0 },
    metrics: true,
    maxApplications: 20,
    ddl: true,
    connectTimeoutMs: 2_000,
    logger: pino({ level: 'silent' }),
  });
}

beforeAll(async () => {
  const deadPort = await freePort();
  const nowhere = `postgres://postgres@127.0.0.1:${deadPort}/pggit`;
  storeDown = await start(upstreamUrl(), nowhere);
  upstreamDown = await start(`postgres://postgres@127.0.0.1:${deadPort}/postgres`, nowhere);
});

afterAll(async () => {
  await storeDown?.stop(0);
  await upstreamDown?.stop(0);
});

const http = (serving: Serving, path: string): Promise<Response> => fetch(`http://127.0.0.1:${serving.http!.port}${path}`);

describe('readiness with the store down', () => {
  it('serves clients, including DDL, and stays ready', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${storeDown.proxy.port}/postgres` });
    await client.connect();
    try {
      await client.query('CREATE TEMP TABLE readiness_probe (id int)');
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
    const ready = await http(storeDown, '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { upstream: true } });
  });

  it('reports the store on /healthz (200) and as pggit_store_up 0', async () => {
    const health = await http(storeDown, '/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { store: false }, failing: ['store'] });
    const metrics = await eventually(
      async () => (await http(storeDown, '/metrics')).text(),
      (text) => /^pggit_store_up 0$/m.test(text),
      'pggit_store_up 0',
    );
    expect(metrics).toMatch(/^pggit_store_up 0$/m);
  });
});

describe('readiness with the upstream down', () => {
  it('answers 503 naming the upstream', async () => {
    const ready = await http(upstreamDown, '/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, failing: ['upstream'] });
  });
});
