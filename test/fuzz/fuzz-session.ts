// One mutated client session against a proxy: garbage and huge lengths in
// the startup packet or after authenticating, truncated frames, wrong type
// bytes, floods of tiny messages, real sessions with bytes flipped. What
// came back is read as protocol messages: a reply that is not one, or an
// ErrorResponse without a SQLSTATE, is "unclear".
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';

export interface FuzzTarget {
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

export const KINDS = ['startup-garbage', 'startup-huge-length', 'startup-truncated', 'mid-garbage', 'mid-wrong-code', 'mid-huge-length', 'mid-truncated', 'flood', 'mutated-session'] as const;
export type Kind = (typeof KINDS)[number];

/** mulberry32: a small seeded generator, so a failing run can be repeated with its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(next: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

function header(code: number, length: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = code;
  out.writeInt32BE(length | 0, 1);
  return out;
}

/** The bytes a fuzzing session sends after (for mid-* kinds) a valid startup. */
function payload(kind: Kind, next: () => number, startup: Buffer): Buffer {
  const int = (n: number): number => Math.floor(next() * n);
  switch (kind) {
    case 'startup-garbage':
      return bytes(next, 1 + int(200));
    case 'startup-huge-length': {
      const out = bytes(next, 8 + int(32));
      out.writeInt32BE([0x7fffffff, 10_001, -1, 7][int(4)]!, 0);
      return out;
    }
    case 'startup-truncated':
      return startup.subarray(0, int(startup.length));
    case 'mid-garbage':
      return bytes(next, 1 + int(300));
    case 'mid-wrong-code':
      return Buffer.concat([serialize.query('SELECT 1'), header([0, 0x7a, 0xff, 0x21][int(4)]!, 4 + int(50)), bytes(next, 50)]);
    case 'mid-huge-length':
      return Buffer.concat([header(0x51, [0x7fffffff, 0x40000000, -5, 2][int(4)]!), bytes(next, int(100))]);
    case 'mid-truncated': {
      const query = serialize.query(`SELECT ${'x'.repeat(int(500))}`);
      return query.subarray(0, 1 + int(query.length - 1));
    }
    case 'flood':
      return Buffer.concat([...Array.from({ length: 2_000 + int(3_000) }, () => serialize.flush()), serialize.sync()]);
    case 'mutated-session': {
      const real = Buffer.concat([
        serialize.query('SELECT 1; SELECT 2'),
        serialize.parse({ name: '', text: 'SELECT $1::int', types: [] }),
        serialize.bind({ values: ['7'] }),
        serialize.execute({}),
        serialize.sync(),
      ]);
      for (let flips = 1 + int(4); flips > 0; flips--) real[int(real.length)] = int(256);
      return real;
    }
  }
}

export interface SessionResult {
  readonly codes: string[];
  readonly unclear: boolean;
  readonly hung: boolean;
}

/** Reads messages off the socket: type byte, length, body; anything else is unclear. */
class Replies {
  private buffer = Buffer.alloc(0);
  readonly codes: string[] = [];
  unclear = false;
  readyForQuery = 0;

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const type = this.buffer[0]!;
      const length = this.buffer.readInt32BE(1);
      if (length < 4 || length > 1 << 24) {
        this.unclear = true;
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.buffer.length < 1 + length) return;
      const body = this.buffer.subarray(5, 1 + length);
      if (type === 0x5a) this.readyForQuery++;
      if (type === 0x45) {
        const code = fieldOf(body, 'C');
        if (code && /^[0-9A-Z]{5}$/.test(code)) this.codes.push(code);
        else this.unclear = true;
      }
      this.buffer = this.buffer.subarray(1 + length);
    }
  }
}

function fieldOf(body: Buffer, field: string): string | undefined {
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) return undefined;
    if (String.fromCharCode(body[at]!) === field) return body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return undefined;
}

export function fuzzSession(target: FuzzTarget, kind: Kind, next: () => number): Promise<SessionResult> {
  const startup = serialize.startup({ user: target.user, database: target.database, application_name: 'pggit-fuzz' });
  return new Promise((resolve) => {
    const replies = new Replies();
    const socket: Socket = connect(target.port, '127.0.0.1');
    let hungTimer: NodeJS.Timeout | undefined;
    let hung = false;
    const finish = (): void => {
      socket.end();
      hungTimer ??= setTimeout(() => {
        hung = true;
        socket.destroy();
      }, 10_000);
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      replies.push(chunk);
      // Authenticated: now the mid-session bytes, then half-close and wait for the proxy to end it.
      if (kind.startsWith('mid-') || kind === 'flood' || kind === 'mutated-session') {
        if (replies.readyForQuery === 1 && !sent) {
          sent = true;
          socket.write(payload(kind, next, startup), finish);
        }
      }
    });
    socket.on('close', () => {
      clearTimeout(hungTimer);
      resolve({ codes: replies.codes, unclear: replies.unclear, hung });
    });
    let sent = false;
    socket.on('connect', () => {
      if (kind.startsWith('startup-')) {
        sent = true;
        socket.write(payload(kind, next, startup), finish);
      } else {
        socket.write(startup);
      }
    });
  });
}
