// TLS from the proxy to the server, with libpq's sslmode / sslrootcert /
// sslcert / sslkey, against a server of its own with a throwaway CA: what
// the server saw (pg_stat_ssl) for each mode, and a clear 08001 for the
// client when verification fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { upstreamFromUrl } from '../src/proxy/index.js';
import { openServerConnection, serverTargetFromUrl, urlConfig } from '../src/store/index.js';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { CERT_USER, SCRAM_USER, startTlsServer, type TlsServer } from './harness/tls-server.js';
import { psql } from './harness/psql.js';

let server: TlsServer;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  server = await startTlsServer();
}, 120_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  await server?.stop();
});

/** The TLS server's URL with these parameters, as 127.0.0.1 or as localhost (the name its certificate holds). */
function tlsServerUrl(params: Record<string, string>, host = '127.0.0.1', user = 'postgres'): string {
  const url = new URL(server.cluster.url('postgres', user));
  url.hostname = host;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

async function proxyTo(url: string, tls?: { certFile: string; keyFile: string }): Promise<TestProxy> {
  const proxy = await startTestProxy({ upstream: upstreamFromUrl(url), ...(tls ? { tls } : {}) });
  proxies.push(proxy);
  return proxy;
}

/** Connects through the proxy and asks the server whether this backend's connection is TLS. */
async function serverSawTls(proxy: TestProxy, client: { user?: string; ssl?: pg.ClientConfig['ssl'] } = {}): Promise<{ ssl: boolean; clientDn: string | null }> {
  const connection = new pg.Client({ connectionString: proxy.url({ user: client.user ?? 'postgres' }), ssl: client.ssl ?? false });
  await connection.connect();
  try {
    const { rows } = await connection.query<{ ssl: boolean; client_dn: string | null }>(
      'SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return { ssl: rows[0]!.ssl, clientDn: rows[0]!.client_dn };
  } finally {
    await connection.end();
  }
}

async function connectError(proxy: TestProxy): Promise<{ code?: string; message: string }> {
  const connection = new pg.Client({ connectionString: proxy.url(), ssl: false });
  try {
    await connection.connect();
  } catch (error) {
    return error as { code?: string; message: string };
  } finally {
    await connection.end().catch(() => undefined);
  }
  throw new Error('the connection succeeded');
}

describe('proxy to server TLS, per sslmode', () => {
  it.each([
    ['disable', {}, false],
    ['allow', {}, false],
    ['prefer', {}, true],
    ['require', {}, true],
    ['verify-ca', { sslrootcert: 'CA' }, true],
  ] as const)('sslmode=%s against a TLS server: TLS used = %s', async (mode, extra, expected) => {
    const params: Record<string, string> = { sslmode: mode };
    if ('sslrootcert' in extra) params['sslrootcert'] = server.certs.caCert;
    const proxy = await proxyTo(tlsServerUrl(params));
    expect((await serverSawTls(proxy)).ssl).toBe(expected);
  });

  it('defaults to prefer, as libpq: TLS when the server offers it', async () => {
    const proxy = await proxyTo(tlsServerUrl({}));
    expect((await serverSawTls(proxy)).ssl).toBe(true);
  });

  it('verify-full connects when the CA signed the certificate and the host name matches it', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'verify-full', sslrootcert: server.certs.caCert }, 'localhost'));
    expect((await serverSawTls(proxy)).ssl).toBe(true);
  });

  it('verify-full with the wrong CA fails with 08001 and the reason', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'verify-full', sslrootcert: server.certs.otherCaCert }, 'localhost'));
    const error = await connectError(proxy);
    expect(error.code).toBe('08001');
    expect(error.message).toMatch(/pggit could not connect to the upstream server at localhost:\d+: SSL error: .*certificate.*\(sslmode=verify-full\)/);
  });

  it('verify-full fails when the certificate does not name the host (127.0.0.1 vs localhost)', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'verify-full', sslrootcert: server.certs.caCert }));
    const error = await connectError(proxy);
    expect(error.code).toBe('08001');
    expect(error.message).toMatch(/SSL error: Hostname\/IP does not match certificate's altnames/);
  });

  it('verify-ca checks the chain but not the host name', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'verify-ca', sslrootcert: server.certs.otherCaCert }));
    expect((await connectError(proxy)).code).toBe('08001');
  });

  it('require checks the chain too once a root certificate is given (libpq rule)', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'require', sslrootcert: server.certs.otherCaCert }));
    expect((await connectError(proxy)).message).toMatch(/SSL error/);
  });

  it('verify-ca without a readable root certificate says which file is missing', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'verify-ca', sslrootcert: '/nonexistent/root.crt' }));
    const error = await connectError(proxy);
    expect(error.code).toBe('08001');
    expect(error.message).toContain('could not read root certificate file "/nonexistent/root.crt"');
  });

  it('presents sslcert/sslkey to the server, which authenticates the cert user by it', async () => {
    const url = tlsServerUrl({ sslmode: 'verify-full', sslrootcert: server.certs.caCert, sslcert: server.certs.clientCert, sslkey: server.certs.clientKey }, 'localhost');
    const proxy = await proxyTo(url);
    expect(await serverSawTls(proxy, { user: CERT_USER })).toEqual({ ssl: true, clientDn: `/CN=${CERT_USER}` });
  });
});

describe('a server without TLS', () => {
  const clearServer = (params: string): string => `${upstreamUrl()}${upstreamUrl().includes('?') ? '&' : '?'}${params}`;

  it('prefer goes on in clear text', async () => {
    const proxy = await proxyTo(clearServer('sslmode=prefer'));
    expect((await serverSawTls(proxy)).ssl).toBe(false);
  });

  it("prefer keeps the caller's onread reads once the server says N (the relay's reused buffer)", async () => {
    const buffer = Buffer.alloc(64 * 1024);
    let received!: (first: number) => void;
    const firstByte = new Promise<number>((resolve) => (received = resolve));
    const { socket, readsIntoBuffer } = await openServerConnection(serverTargetFromUrl(clearServer('sslmode=prefer')), {
      timeoutMs: 5_000,
      onread: { buffer, callback: (bytes, into) => (bytes > 0 && received(into[0]!), true) },
    });
    expect(readsIntoBuffer).toBe(true);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    params.copy(startup, 8);
    socket.write(startup);
    // The server's first answer ('R' authentication, or 'E') arrives in our buffer.
    expect(['R', 'E']).toContain(String.fromCharCode(await firstByte));
    socket.destroy();
  });

  it('require fails with 08001 "server does not support SSL, but SSL was required"', async () => {
    const proxy = await proxyTo(clearServer('sslmode=require'));
    const error = await connectError(proxy);
    expect(error.code).toBe('08001');
    expect(error.message).toContain('server does not support SSL, but SSL was required');
  });
});

describe('a client that reached pggit over TLS', () => {
  it('is carried to the server over TLS even with sslmode=disable, when the server offers it', async () => {
    const tls = { certFile: server.certs.serverCert, keyFile: server.certs.serverKey };
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'disable' }), tls);
    expect((await serverSawTls(proxy, { ssl: { rejectUnauthorized: false } })).ssl).toBe(true);
    expect((await serverSawTls(proxy)).ssl).toBe(false);
  });
});

describe("pggit's own connections (store, snapshots) negotiate the same way", () => {
  async function ownConnectionTls(url: string): Promise<boolean> {
    const client = new pg.Client(urlConfig(url));
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return rows[0]!.ssl;
    } finally {
      await client.end();
    }
  }

  it('prefer uses TLS when offered and clear text when not', async () => {
    expect(await ownConnectionTls(tlsServerUrl({}))).toBe(true);
    expect(await ownConnectionTls(upstreamUrl())).toBe(false);
  });

  it('verify-full accepts the right CA and refuses the wrong one', async () => {
    expect(await ownConnectionTls(tlsServerUrl({ sslmode: 'verify-full', sslrootcert: server.certs.caCert }, 'localhost'))).toBe(true);
    await expect(ownConnectionTls(tlsServerUrl({ sslmode: 'verify-full', sslrootcert: server.certs.otherCaCert }, 'localhost'))).rejects.toThrow(
      /SSL error/,
    );
  });
});

describe('SCRAM channel binding through a TLS-terminating proxy', () => {
  const tlsFiles = (): { certFile: string; keyFile: string } => ({ certFile: server.certs.serverCert, keyFile: server.certs.serverKey });
  const scramUrl = (proxy: TestProxy, channelBinding: string): string =>
    proxy.url({ user: SCRAM_USER.name, password: SCRAM_USER.password, params: `sslmode=require&channel_binding=${channelBinding}` });

  it('a TLS client with channel_binding=prefer (libpq default) is told why it cannot log in and what to do', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'require' }), tlsFiles());
    const result = await psql(scramUrl(proxy, 'prefer'), ['-At', '-c', 'SELECT 1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('FATAL:  SCRAM channel binding cannot pass through pggit, which terminates TLS');
    expect(result.stderr).toContain('HINT:  Connect with channel_binding=disable, or without TLS to pggit.');
  });

  it('channel_binding=disable logs in with SCRAM, TLS on both legs', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'require' }), tlsFiles());
    const result = await psql(scramUrl(proxy, 'disable'), ['-At', '-c', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()']);
    expect(result).toMatchObject({ code: 0, stdout: 't\n', stderr: '' });
  });

  it('channel_binding=require fails with libpq\'s clear message instead of a failed binding', async () => {
    const proxy = await proxyTo(tlsServerUrl({ sslmode: 'require' }), tlsFiles());
    const result = await psql(scramUrl(proxy, 'require'), ['-At', '-c', 'SELECT 1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('channel binding is required, but server did not offer an authentication method that supports channel binding');
  });
});
