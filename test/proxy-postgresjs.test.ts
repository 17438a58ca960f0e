// postgres.js through the proxy: it pipelines by default, so it checks that
// the proxy never waits for a reply before forwarding the next request.
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { startTestProxy, type TestProxy } from './harness/proxy.js';

let proxy: TestProxy;
let sql: postgres.Sql;
const parameters = new Map<string, string>();

beforeAll(async () => {
  proxy = await startTestProxy();
  sql = postgres(proxy.url(), {
    max: 1,
    onnotice: () => undefined,
    onparameter: (key, value) => void parameters.set(key, String(value)),
  });
});

afterAll(async () => {
  await sql.end();
  await proxy.stop();
});

const MB = 1024 * 1024;

/** Lines "n<TAB>xxxx...\n" totalling at least `bytes`, the same every time. */
function* copyLines(bytes: number): Generator<Buffer> {
  const filler = 'x'.repeat(1000);
  let sent = 0;
  for (let n = 0; sent < bytes; n++) {
    const line = Buffer.from(`${n}\t${filler}\n`);
    sent += line.length;
    yield line;
  }
}

describe('postgres.js through the proxy', () => {
  it('pipelines 200 extended-protocol queries on one connection and keeps replies in order', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => sql`SELECT ${i}::int AS i, pg_backend_pid() AS pid`));
    expect(replies.map((rows) => rows[0]!.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(replies.map((rows) => rows[0]!.pid)).size).toBe(1);
  });

  it('keeps a pipeline going past an error in the middle of it', async () => {
    const results = await Promise.allSettled([sql`SELECT 1 AS n`, sql`SELECT 1 / 0`, sql`SELECT 3 AS n`]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22012' });
  });

  it('passes ParameterStatus messages when a reported setting changes', async () => {
    await sql`SET application_name = 'pggit-param-probe'`;
    expect(parameters.get('application_name')).toBe('pggit-param-probe');
  });

  it('copies 100 MB in with COPY FROM STDIN', async () => {
    await sql`CREATE TABLE IF NOT EXISTS copy_in (n int, filler text)`;
    await sql`TRUNCATE copy_in`;
    const hash = createHash('md5');
    let lines = 0;
    const source = Readable.from(
      (function* () {
        for (const line of copyLines(100 * MB)) {
          hash.update(line);
          lines++;
          yield line;
        }
      })(),
    );
    await pipeline(source, await sql`COPY copy_in FROM STDIN`.writable());
    const [stats] = await sql`SELECT count(*)::int AS n, sum(n)::bigint AS total FROM copy_in`;
    expect(stats!.n).toBe(lines);
    expect(BigInt(stats!.total)).toBe((BigInt(lines) * BigInt(lines - 1)) / 2n);
  });

  it('copies 100 MB out with COPY TO STDOUT, byte for byte', async () => {
    const expected = createHash('md5');
    let expectedBytes = 0;
    for (const line of copyLines(100 * MB)) {
      expected.update(line);
      expectedBytes += line.length;
    }
    const lineCount = (await sql`SELECT count(*)::int AS n FROM copy_in`)[0]!.n;
    const received = createHash('md5');
    let receivedBytes = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        received.update(chunk);
        receivedBytes += chunk.length;
        done();
      },
    });
    const copy = `COPY (SELECT n, filler FROM copy_in ORDER BY n LIMIT ${lineCount}) TO STDOUT`;
    await pipeline(await sql.unsafe(copy).readable(), sink);
    expect(receivedBytes).toBe(expectedBytes);
    expect(received.digest('hex')).toBe(expected.digest('hex'));
  });
});
