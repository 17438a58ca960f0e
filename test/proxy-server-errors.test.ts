// Errors from the server reach the client whole, however long, and the
// proxy's reading of them (it looks for FATAL) never ends a healthy session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestProxy, type TestProxy } from './harness/proxy.js';

let proxy: TestProxy;
let client: pg.Client;

beforeAll(async () => {
  proxy = await startTestProxy();
  client = new pg.Client({ connectionString: proxy.url() });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await proxy?.stop();
});

describe('server errors through the proxy', () => {
  it('passes an ErrorResponse far longer than the part the proxy reads, and the session goes on', async () => {
    const value = 'x'.repeat(100_000);
    const failing = client.query('SELECT $1::int', [value]);
    const message = `invalid input syntax for type integer: "${value}"`;
    await expect(failing).rejects.toMatchObject({ code: '22P02', message });
    expect((await client.query('SELECT 1 AS n')).rows[0].n).toBe(1);
  });
});
