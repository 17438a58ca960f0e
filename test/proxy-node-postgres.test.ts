// node-postgres through the proxy: the protocol features an application uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { NoticeMessage } from 'pg-protocol/dist/messages.js';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';

let proxy: TestProxy;
let client: pg.Client;

beforeAll(async () => {
  proxy = await startTestProxy();
  client = new pg.Client({ connectionString: proxy.url() });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await proxy.stop();
});

describe('node-postgres through the proxy', () => {
  it('runs a simple query and reaches the real server', async () => {
    const result = await client.query('SELECT current_user AS who, version() AS v');
    expect(result.rows[0].who).toBe('postgres');
    expect(result.rows[0].v).toMatch(/^PostgreSQL \d+/);
  });

  it('runs extended-protocol queries with parameters and named statements', async () => {
    const first = await client.query({ name: 'add', text: 'SELECT $1::int + $2::int AS sum', values: [2, 3] });
    const second = await client.query({ name: 'add', text: 'SELECT $1::int + $2::int AS sum', values: [40, 2] });
    expect([first.rows[0].sum, second.rows[0].sum]).toEqual([5, 42]);
  });

  it('returns every result of a multi-statement simple query', async () => {
    const results = (await client.query('SELECT 1 AS a; SELECT 2 AS b; SELECT 3 AS c')) as unknown as pg.QueryResult[];
    expect(results.map((r) => Object.values(r.rows[0])[0])).toEqual([1, 2, 3]);
  });

  it('passes an error raised after rows were sent, and the session stays usable', async () => {
    const failing = client.query('SELECT 10 / (5 - g) FROM generate_series(1, 10) AS g');
    await expect(failing).rejects.toMatchObject({ code: '22012' });
    const after = await client.query('SELECT 7 AS n');
    expect(after.rows[0].n).toBe(7);
  });

  it('delivers NoticeResponse messages', async () => {
    const notices: string[] = [];
    const onNotice = (notice: NoticeMessage): void => void notices.push(notice.message ?? "");
    client.on('notice', onNotice);
    await client.query("DO $$ BEGIN RAISE NOTICE 'hello from %', 'plpgsql'; END $$");
    client.off('notice', onNotice);
    expect(notices).toEqual(['hello from plpgsql']);
  });

  it('delivers NOTIFY asynchronously to a listening session', async () => {
    await client.query('LISTEN pggit_test_channel');
    const received = new Promise<pg.Notification>((resolve) => client.once('notification', resolve));
    const notifier = new pg.Client({ connectionString: upstreamUrl() });
    await notifier.connect();
    await notifier.query("NOTIFY pggit_test_channel, 'payload-1'");
    await notifier.end();
    const notification = await received;
    expect(notification).toMatchObject({ channel: 'pggit_test_channel', payload: 'payload-1' });
    await client.query('UNLISTEN pggit_test_channel');
  });

  it('returns a 50 MB row and accepts a 50 MB parameter', async () => {
    const size = 50 * 1024 * 1024;
    const big = await client.query('SELECT repeat($1, $2::int) AS blob', ['x', size]);
    expect(big.rows[0].blob.length).toBe(size);
    const echoed = await client.query('SELECT length($1::text) AS n, md5($1::text) AS h', [big.rows[0].blob]);
    expect(echoed.rows[0].n).toBe(size);
    const direct = await client.query('SELECT md5(repeat($1, $2::int)) AS h', ['x', size]);
    expect(echoed.rows[0].h).toBe(direct.rows[0].h);
  });

  it('runs a transaction with savepoints and rolls back what it should', async () => {
    await client.query('CREATE TEMP TABLE tx_probe (n int)');
    await client.query('BEGIN');
    await client.query('INSERT INTO tx_probe VALUES (1)');
    await client.query('SAVEPOINT s1');
    await client.query('INSERT INTO tx_probe VALUES (2)');
    await client.query('ROLLBACK TO SAVEPOINT s1');
    await client.query('COMMIT');
    const rows = await client.query('SELECT array_agg(n) AS ns FROM tx_probe');
    expect(rows.rows[0].ns).toEqual([1]);
  });

  it('passes an ErrorResponse far longer than the part the proxy reads, and the session goes on', async () => {
    const value = 'x'.repeat(100_000);
    const failing = client.query('SELECT $1::int', [value]);
    const message = `invalid input syntax for type integer: "${value}"`;
    await expect(failing).rejects.toMatchObject({ code: '22P02', message });
    expect((await client.query('SELECT 1 AS n')).rows[0].n).toBe(1);
  });
});
