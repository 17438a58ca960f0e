// Authentication passes through: the server asks, the client answers, the
// proxy only forwards. SCRAM and md5 never put a reusable secret on the wire;
// the `password` method sends cleartext by its own design, and the proxy
// forwards it like any other byte without keeping or logging it.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { AUTH_ROLES } from './harness/auth-roles.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';
import { RawClient, serialize } from './harness/raw-client.js';

// Only a server this run started has the roles and pg_hba rules.
const managed = inject('pgManaged');
const logLines: string[] = [];
let proxy: TestProxy;

/** The message the server sends right after the StartupMessage for this role. */
const AUTH_REQUEST = {
  password: 'authenticationCleartextPassword',
  md5: 'authenticationMD5Password',
  'scram-sha-256': 'authenticationSASL',
} as const;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  proxy = await startTestProxy({ logger: pino({ level: 'trace' }, sink) });
});

afterAll(async () => {
  await proxy.stop();
});

async function login(user: string, password?: string): Promise<string> {
  const client = new pg.Client({ connectionString: proxy.url({ user, password }) });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT current_user AS who');
    return rows[0].who as string;
  } finally {
    await client.end();
  }
}

async function firstAuthRequest(user: string): Promise<string> {
  const raw = await RawClient.connect(proxy.proxy.port);
  raw.socket.write(serialize.startup({ user, database: 'postgres' }));
  const request = await raw.waitFor((m) => m.name.startsWith('authentication'));
  raw.socket.destroy();
  return request.name;
}

describe('authentication through the proxy', () => {
  it('logs in with trust (the superuser, no password)', async () => {
    expect(await login('postgres')).toBe('postgres');
  });

  it.skipIf(!managed).each(AUTH_ROLES)('logs in with the $method method', async ({ role, method, password }) => {
    expect(await firstAuthRequest(role)).toBe(AUTH_REQUEST[method]);
    expect(await login(role, password)).toBe(role);
  });

  it.skipIf(!managed).each(AUTH_ROLES)(
    'passes the server\'s 28P01 through for a wrong password with $method',
    async ({ role }) => {
      const failure = login(role, 'not-the-password');
      await expect(failure).rejects.toMatchObject({ code: '28P01', severity: 'FATAL' });
      await expect(failure).rejects.toThrow(`password authentication failed for user "${role}"`);
    },
  );

  it.skipIf(!managed)('never writes a password into its logs', async () => {
    for (const { role, password } of AUTH_ROLES) await login(role, password);
    expect(logLines.join('')).toContain('session ended');
    for (const { password } of AUTH_ROLES) expect(logLines.join('')).not.toContain(password);
  });
});
