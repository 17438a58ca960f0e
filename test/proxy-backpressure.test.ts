// A client that reads slowly: the proxy must stop reading from the server
// while the client's socket is full, and never reuse a read buffer that a
// pending write still points into. The bytes the client finally reads must
// be exactly those the server sends to a client connected directly.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { eventually, uniqueAppName, UpstreamActivity } from './harness/activity.js';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';

// 24 MB of rows sent as fast as the server can (enough to fill every
// buffer on the way), then 3 MB sent in small flushes (a short sleep every
// other row): such a small chunk is what the proxy reads while an earlier
// write to the full client is still pending. Rows differ from each other, so
// a chunk read into a buffer still being written shows up as wrong bytes.
const QUERY = `SELECT i, CASE WHEN i <= 6000 THEN repeat(md5(i::text), 128) ELSE repeat(md5(i::text), 100) || pg_sleep(0.001) END
  FROM generate_series(1, 7000) AS i`;
/** What the client reads each time the whole path is full. */
const STEP = 1024 * 1024;

let proxy: TestProxy;
let activity: UpstreamActivity;

beforeAll(async () => {
  proxy = await startTestProxy();
  activity = await UpstreamActivity.connect();
});

afterAll(async () => {
  await activity?.end();
  await proxy?.stop();
});

/** Raw socket reads in paused mode: the test decides when bytes leave the kernel. */
class SlowReader {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  private constructor(readonly socket: Socket) {
    socket.pause();
    socket.on('error', () => undefined);
  }

  static open(host: string, port: number): Promise<SlowReader> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new SlowReader(socket)));
      socket.once('error', reject);
    });
  }

  /** Reads what is buffered now, up to `limit` bytes, without waiting. */
  take(limit: number): number {
    let taken = 0;
    for (let chunk = this.socket.read() as Buffer | null; chunk !== null; chunk = this.socket.read() as Buffer | null) {
      this.chunks.push(chunk);
      this.length += chunk.length;
      taken += chunk.length;
      if (taken >= limit) break;
    }
    return taken;
  }

  /** Reads until the bytes received end with a ReadyForQuery after `after` bytes. */
  async readUntilReady(after: number): Promise<Buffer> {
    for (;;) {
      this.take(Infinity);
      if (this.length >= after + 6 && endsWithReady(this.tail())) return this.bytes();
      await new Promise<void>((resolve) => this.socket.once('readable', resolve));
    }
  }

  /** The last bytes received (at least 6 once that many arrived), without copying everything. */
  private tail(): Buffer {
    let from = this.chunks.length - 1;
    let bytes = this.chunks[from]!.length;
    while (bytes < 6 && from > 0) bytes += this.chunks[--from]!.length;
    return Buffer.concat(this.chunks.slice(from));
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }

  get received(): number {
    return this.length;
  }
}

function endsWithReady(bytes: Buffer): boolean {
  const at = bytes.length - 6;
  return bytes[at] === 0x5a && bytes.readInt32BE(at + 1) === 5;
}

/**
 * Startup as `application`, then `sql`. `stalls`: how often the client waits
 * until the server blocks on the full path before reading STEP more
 * (Infinity: until the query ends); 0 reads at once.
 */
async function slowQuery(host: string, port: number, application: string, sql: string, stalls: number): Promise<{ reply: Buffer; stalled: number }> {
  const reader = await SlowReader.open(host, port);
  const user = decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
  reader.socket.write(serialize.startup({ user, database: 'postgres', application_name: application }));
  const startup = await reader.readUntilReady(0);
  reader.socket.write(serialize.query(sql));
  if (stalls > 0) await activity.waitForQuery(application, 'SELECT i');
  let stalled = 0;
  for (; stalled < stalls; stalled++) {
    // The server's backend waits in ClientWrite only once every buffer on
    // the way (both kernels' and the proxy's) is full: the proxy paused.
    const state = await eventually(() => activity.waitEvent(application), (event) => event === 'ClientWrite' || event === 'ClientRead', 'the server to block on a full client or finish');
    if (state === 'ClientRead') break;
    reader.take(STEP);
  }
  const all = await reader.readUntilReady(startup.length + 1);
  reader.socket.end(serialize.end());
  return { reply: all.subarray(startup.length), stalled };
}

describe('a client that reads slowly', () => {
  it('gets every byte of a 27 MB result unchanged, after the proxy paused the server several times', async () => {
    const server = new URL(upstreamUrl());
    const { reply: direct } = await slowQuery(server.hostname, Number(server.port || 5432), uniqueAppName('direct'), QUERY, 0);
    const { reply: slow, stalled } = await slowQuery('127.0.0.1', proxy.proxy.port, uniqueAppName('slow'), QUERY, Infinity);
    expect(stalled).toBeGreaterThan(3);
    expect(direct.length).toBeGreaterThan(27 * 1000 * 1000);
    expect(slow.length).toBe(direct.length);
    expect(slow.equals(direct)).toBe(true);
  });
});
