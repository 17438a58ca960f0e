// A server that reads slowly while a client pipelines a big COPY IN: the
// proxy must stop reading from the client while the server's socket is full,
// and never read client bytes into a buffer that a pending write to the
// server still points into. The rows the server stores must be exactly those
// the client sent.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually, uniqueAppName, UpstreamActivity } from './harness/activity.js';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { RawClient, serialize } from './harness/raw-client.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

/** Rows of 64 random hex characters: 24 MB, far more than every buffer on the way holds. */
const ROWS = 320_000;
/** Rows per CopyData message: about 2 kB, each written on its own, so that the proxy reads small chunks. */
const ROWS_PER_MESSAGE = 30;

let proxy: TestProxy;
let activity: UpstreamActivity;
let database: ScratchDatabase;

beforeAll(async () => {
  proxy = await startTestProxy();
  activity = await UpstreamActivity.connect();
  database = await createScratchDatabase('slow_server');
  // After the lock is released the server still reads slowly: a short sleep every 400 rows.
  await database.runSql(`
    CREATE TABLE landing (i int PRIMARY KEY, t text NOT NULL);
    CREATE FUNCTION slowly() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.i % 400 = 0 THEN PERFORM pg_sleep(0.001); END IF;
        RETURN NEW;
      END $$;
    CREATE TRIGGER slowly BEFORE INSERT ON landing FOR EACH ROW EXECUTE FUNCTION slowly();`);
});

afterAll(async () => {
  await database?.drop();
  await activity?.end();
  await proxy?.stop();
});

function copyRows(): { messages: Buffer[]; text: string } {
  const lines: string[] = [];
  for (let i = 1; i <= ROWS; i++) lines.push(`${i}\t${randomBytes(32).toString('hex')}`);
  const messages: Buffer[] = [];
  for (let at = 0; at < ROWS; at += ROWS_PER_MESSAGE) {
    messages.push(serialize.copyData(Buffer.from(lines.slice(at, at + ROWS_PER_MESSAGE).join('\n') + '\n')));
  }
  return { messages, text: lines.join('\n') };
}

describe('a server that reads slowly', () => {
  it('stores every byte of a 24 MB COPY IN that the client pipelined while the server was blocked', async () => {
    const { messages, text } = copyRows();
    const application = uniqueAppName('slow-server');
    const client = await RawClient.connect(proxy.proxy.port);
    const user = decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
    client.socket.write(serialize.startup({ user, database: database.name, application_name: application }));
    await client.waitFor((message) => message.name === 'readyForQuery');
    // Taken after the startup: the recorder reads the new database's catalog before its first ReadyForQuery.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE landing IN ACCESS EXCLUSIVE MODE');
    const from = client.received.length;
    // Pipelined: the CopyData goes out without waiting for CopyInResponse (the server reads it once it has the lock).
    client.socket.write(serialize.query('COPY landing FROM STDIN'));
    await eventually(() => activity.waitEvent(application), (event) => event === 'relation', 'the COPY to wait for the lock');
    // Small writes, one per turn of the event loop, so that the proxy reads small chunks
    // while its writes to the blocked server are still pending.
    let stalls = 0;
    let markStall!: () => void;
    const firstStall = new Promise<void>((resolve) => (markStall = resolve));
    const sent = (async () => {
      for (const message of messages) {
        if (client.socket.write(message)) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        stalls++;
        markStall();
        await new Promise((resolve) => client.socket.once('drain', resolve));
      }
      client.socket.write(serialize.copyDone());
    })();
    // Only a proxy that stopped reading lets the client's socket fill up while the server reads nothing.
    await firstStall;
    await locker.query('COMMIT');
    await locker.end();

    await sent;
    expect(stalls).toBeGreaterThan(1);
    const done = await client.waitFor((message) => message.name === 'commandComplete' || message.name === 'error', from);
    expect(done).toMatchObject({ name: 'commandComplete', text: `COPY ${ROWS}` });
    await client.waitFor((message) => message.name === 'readyForQuery', from);
    client.socket.end(serialize.end());

    const check = await database.connect();
    const { rows } = await check.query<{ digest: string; count: string }>(
      `SELECT md5(string_agg(i || E'\\t' || t, E'\\n' ORDER BY i)) AS digest, count(*) AS count FROM landing`,
    );
    expect(rows[0]).toEqual({ digest: createHash('md5').update(text).digest('hex'), count: String(ROWS) });
  });
});
