// Malformed input from one client ends that one session with 08P01 and
// never touches the process or other sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { DatabaseError } from 'pg-protocol/dist/messages.js';
import { StartupCode } from '../src/protocol/index.js';
import { uniqueAppName, UpstreamActivity } from './harness/activity.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';
import { SocketBytes } from './harness/socket-bytes.js';

let proxy: TestProxy;
let upstream: UpstreamActivity;
let bystander: pg.Client;

beforeAll(async () => {
  [proxy, upstream] = await Promise.all([startTestProxy(), UpstreamActivity.connect()]);
  bystander = new pg.Client({ connectionString: proxy.url() });
  await bystander.connect();
});

afterAll(async () => {
  await bystander?.end();
  await upstream?.end();
  await proxy?.stop();
});

function header(code: number, length: number): Buffer {
  const bytes = Buffer.alloc(5);
  bytes[0] = code;
  bytes.writeInt32BE(length | 0, 1);
  return bytes;
}

/** A raw session through the proxy, past ReadyForQuery, with a unique application_name. */
async function readySession(): Promise<{ socket: SocketBytes; app: string; offset: number }> {
  const app = uniqueAppName('malformed');
  const socket = await SocketBytes.connect(proxy.proxy.port);
  socket.socket.write(serialize.startup({ user: 'postgres', database: 'postgres', application_name: app }));
  await socket.waitForMessage((m) => m.name === 'readyForQuery');
  return { socket, app, offset: socket.bytes().length };
}

/** The proxy must answer FATAL 08P01 and close; returns the error. */
async function expectProtocolViolation(socket: SocketBytes, offset: number): Promise<DatabaseError> {
  await socket.closed;
  const messages = socket.messages(offset);
  expect(messages.map((m) => m.name)).toEqual(['error']);
  expect(messages[0]).toMatchObject({ severity: 'FATAL', code: '08P01' });
  return messages[0] as DatabaseError;
}

async function hugeStartupLength(): Promise<void> {
  const socket = await SocketBytes.connect(proxy.proxy.port);
  const packet = Buffer.alloc(8);
  packet.writeInt32BE(0x7fffffff, 0);
  packet.writeInt32BE(0x00030000, 4);
  socket.socket.write(packet);
  expect((await expectProtocolViolation(socket, 0)).message).toContain('invalid length of startup packet');
}

async function shortCancelRequest(): Promise<void> {
  const socket = await SocketBytes.connect(proxy.proxy.port);
  const packet = Buffer.alloc(12);
  packet.writeInt32BE(12, 0);
  packet.writeInt32BE(StartupCode.CancelRequest, 4);
  packet.writeInt32BE(4242, 8);
  socket.socket.write(packet);
  await expectProtocolViolation(socket, 0);
}

async function badTypedMessage(bytes: Buffer, reason: RegExp): Promise<void> {
  const { socket, app, offset } = await readySession();
  socket.socket.write(bytes);
  expect((await expectProtocolViolation(socket, offset)).message).toMatch(reason);
  await upstream.waitForBackends(app, 0);
}

const hugeTypedLength = (): Promise<void> => badTypedMessage(header(0x51, 0x7fffffff), /invalid message length/);
const garbageType = (): Promise<void> => badTypedMessage(header(0x01, 8), /invalid message type 0x01/);
const lengthBelowFour = (): Promise<void> => badTypedMessage(header(0x51, 3), /invalid message length 3/);

async function truncatedThenClose(): Promise<void> {
  const { socket, app, offset } = await readySession();
  socket.socket.end(serialize.query('SELECT 1').subarray(0, 7));
  await socket.closed;
  // Like the server, which logs "unexpected EOF" and answers nothing to a client that left.
  expect(socket.messages(offset)).toEqual([]);
  await upstream.waitForBackends(app, 0);
}

describe('malformed client input', () => {
  it('answers a startup packet with a huge length with 08P01 and closes', hugeStartupLength);

  it('ends a connection that never sends its startup packet once the startup timeout passes', async () => {
    const slow = await startTestProxy({ startupTimeoutMs: 200 });
    const socket = await SocketBytes.connect(slow.proxy.port);
    const error = (await socket.waitForMessage((m) => m.name === 'error')) as DatabaseError;
    expect(error.code).toBe('08P01');
    expect(error.message).toMatch(/timed out waiting for the startup packet/);
    await slow.stop();
  });

  it('answers a CancelRequest too short to hold a key with 08P01 and closes', shortCancelRequest);

  it('answers a typed message of length 0x7fffffff with 08P01, closes, and ends the backend', hugeTypedLength);

  it('answers a garbage message type with 08P01, closes, and ends the backend', garbageType);

  it('answers a message length below 4 with 08P01, closes, and ends the backend', lengthBelowFour);

  it('closes the session and ends the backend when a client sends half a message and leaves', truncatedThenClose);

  it('keeps other sessions working and accepts new connections while sessions are rejected', async () => {
    const abuse = [
      hugeStartupLength,
      shortCancelRequest,
      hugeTypedLength,
      garbageType,
      lengthBelowFour,
      truncatedThenClose,
    ];
    const [busy] = await Promise.all([
      bystander.query('SELECT pg_sleep(0.2), 1 AS n'),
      ...[...abuse, ...abuse].map((attempt) => attempt()),
    ]);
    expect(busy.rows[0].n).toBe(1);
    expect((await bystander.query('SELECT 2 AS n')).rows[0].n).toBe(2);
    const newcomer = new pg.Client({ connectionString: proxy.url() });
    await newcomer.connect();
    expect((await newcomer.query('SELECT 3 AS n')).rows[0].n).toBe(3);
    await newcomer.end();
  });
});
