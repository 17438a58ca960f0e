// The HTTP endpoints over a real socket: status codes, content types, bodies.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, startHttpServer, type RunningHttpServer } from '../src/http/index.js';
import { ProxyMetrics } from '../src/metrics/index.js';

let server: RunningHttpServer;
let base: string;
let storeReady = true;
let upstreamReady = true;

beforeAll(async () => {
  const registry = new Registry();
  const metrics = new ProxyMetrics(registry);
  const session = metrics.session({ database: 'app', branch: 'main', application: 'psql' });
  session.commandComplete(Buffer.from('SELECT 1\0'), 0.001);
  server = await startHttpServer({
    port: 0,
    registry,
    readiness: { upstream: async () => upstreamReady },
    health: { store: async () => storeReady },
    readinessTimeoutMs: 200,
    routes: [
      {
        method: 'GET',
        path: '/api/branches/:name',
        handler: ({ params }) => ({ status: 200, body: { name: params['name'] } }),
      },
      { method: 'POST', path: '/api/echo', handler: ({ body }) => ({ status: 201, body }) },
      {
        method: 'GET',
        path: '/api/missing',
        handler: () => {
          throw new HttpError(404, 'no such branch');
        },
      },
      { method: 'GET', path: '/api/bad-status', handler: () => ({ status: 9999 }) },
      {
        method: 'GET',
        path: '/api/broken',
        handler: () => {
          throw new Error('bug');
        },
      },
    ],
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
});

describe('HTTP endpoints', () => {
  it('binds to loopback unless told otherwise', () => {
    expect(server.host).toBe('127.0.0.1');
  });

  it('serves Prometheus text on GET /metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE pggit_statements_total counter');
    expect(text).toContain('pggit_statements_total{database="app",branch="main",application="psql",command="SELECT"} 1');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('answers HEAD /metrics without a body', async () => {
    const response = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('says ok on /healthz with the store as a detail, up or down', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { store: true }, failing: [], errors: {} });
    storeReady = false;
    const storeDown = await fetch(`${base}/healthz`);
    expect(storeDown.status).toBe(200);
    expect(await storeDown.json()).toMatchObject({ status: 'ok', checks: { store: false }, failing: ['store'] });
    storeReady = true;
  });

  it('is ready while the upstream answers, whatever the store does, and 503 naming the upstream when not', async () => {
    storeReady = false;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { upstream: true }, failing: [], errors: {} });

    upstreamReady = false;
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await notReady.json()).toMatchObject({ ready: false, failing: ['upstream'] });
    upstreamReady = true;
    storeReady = true;
  });

  it('answers 404 JSON for an unknown path', async () => {
    const response = await fetch(`${base}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 'NOT_FOUND', message: 'no such endpoint: /nope' });
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const response = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('routes extra JSON API handlers with parameters and bodies', async () => {
    const branch = await fetch(`${base}/api/branches/feature%20x`);
    expect(branch.status).toBe(200);
    expect(await branch.json()).toEqual({ name: 'feature x' });

    const echo = await fetch(`${base}/api/echo`, { method: 'POST', body: JSON.stringify({ a: [1, 2] }) });
    expect(echo.status).toBe(201);
    expect(await echo.json()).toEqual({ a: [1, 2] });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await fetch(`${base}/api/echo`, { method: 'POST', body: '{nope' });
    expect(response.status).toBe(400);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const response = await fetch(`${base}/api/echo`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
  });

  it('turns HttpError into its status and any other failure into 500', async () => {
    const missing = await fetch(`${base}/api/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'NOT_FOUND', message: 'no such branch' });
    const broken = await fetch(`${base}/api/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ code: 'INTERNAL', message: 'internal error' });
  });

  it('survives a handler that answers with an invalid status', async () => {
    await expect(fetch(`${base}/api/bad-status`)).rejects.toThrow();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses to start on a port that is taken', async () => {
    await expect(startHttpServer({ port: server.port, registry: new Registry() })).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes while a client holds a keep-alive connection', async () => {
    const other = await startHttpServer({ port: 0, registry: new Registry() });
    const response = await fetch(`http://127.0.0.1:${other.port}/healthz`, { headers: { connection: 'keep-alive' } });
    expect(response.status).toBe(200);
    await response.text();
    await other.close();
    await expect(fetch(`http://127.0.0.1:${other.port}/healthz`)).rejects.toThrow();
  });
});
