// Limits with the server's own errors: --max-connections (53300) and the
// authentication timeout, which runs until the session is authenticated.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { DatabaseError } from 'pg-protocol/dist/messages.js';
import { eventually } from './harness/activity.js';
import { psql } from './harness/psql.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';
import { SocketBytes } from './harness/socket-bytes.js';

let limited: TestProxy;

beforeAll(async () => {
  limited = await startTestProxy({ maxConnections: 2 });
});

afterAll(async () => {
  await limited?.stop();
});

async function connectError(url: string): Promise<{ code?: string; message: string }> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    return error as { code?: string; message: string };
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error('connected');
}

describe('--max-connections', () => {
  it('refuses the connection past the limit with 53300, for node-postgres and for psql, and takes new ones once a session ends', async () => {
    const held = [new pg.Client({ connectionString: limited.url() }), new pg.Client({ connectionString: limited.url() })];
    for (const client of held) await client.connect();
    const refused = await connectError(limited.url());
    expect(refused).toMatchObject({ code: '53300', message: 'sorry, too many clients already' });
    // psql starts with SSLRequest (sslmode=prefer) and reads the error in its place.
    const viaPsql = await psql(limited.url({ params: 'sslmode=prefer' }), ['-c', 'SELECT 1']);
    expect(viaPsql.code).not.toBe(0);
    expect(viaPsql.stderr).toContain('sorry, too many clients already');
    // Still serving the two it has.
    expect((await held[0]!.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await held[1]!.end();
    await eventually(async () => limited.proxy.sessionCount, (n) => n === 1, 'the closed session to leave');
    const again = new pg.Client({ connectionString: limited.url() });
    await again.connect();
    await again.end();
    await held[0]!.end();
  });
});

describe('authentication timeout', () => {
  it.skipIf(!inject('pgManaged'))('ends a client that started but never answers the password request with 57014', async () => {
    const slow = await startTestProxy({ startupTimeoutMs: 1000 });
    try {
      const socket = await SocketBytes.connect(slow.proxy.port);
      socket.socket.write(serialize.startup({ user: 'pggit_md5', database: 'postgres' }));
      // The server asks for the password (unless the timer beat it on a busy machine); nobody answers.
      const error = (await socket.waitForMessage((m) => m.name === 'error')) as DatabaseError;
      expect(error).toMatchObject({ code: '57014', message: 'canceling authentication due to timeout' });
      await socket.closed;
    } finally {
      await slow.stop();
    }
  });

  it('leaves an authenticated session alone after the timeout', async () => {
    const quick = await startTestProxy({ startupTimeoutMs: 300 });
    const client = new pg.Client({ connectionString: quick.url() });
    await client.connect();
    try {
      await client.query('SELECT pg_sleep(0.5)');
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await client.end();
      await quick.stop();
    }
  });
});
