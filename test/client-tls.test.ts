// TLS from clients to the proxy: PostgreSQL 17's direct negotiation (a
// ClientHello first, ALPN "postgresql"), TLS 1.2 as the minimum, and a new
// certificate picked up on reload without a restart.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { connect as connectTcp } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { encodeStartupMessage } from '../src/protocol/index.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';
import { makeCertificates, type TestCertificates } from './harness/tls-certs.js';

let certs: TestCertificates;
let otherCerts: TestCertificates;
let files: { certFile: string; keyFile: string };
let tls: TestProxy;
let plain: TestProxy;

beforeAll(async () => {
  [certs, otherCerts] = await Promise.all([makeCertificates('unused'), makeCertificates('unused')]);
  const dir = await mkdtemp(join(tmpdir(), 'pggit-client-tls-'));
  files = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
  await copyFile(certs.serverCert, files.certFile);
  await copyFile(certs.serverKey, files.keyFile);
  tls = await startTestProxy({ tls: files });
  plain = await startTestProxy();
});

afterAll(async () => {
  await tls?.stop();
  await plain?.stop();
  for (const dir of [certs?.dir, otherCerts?.dir, files && join(files.certFile, '..')]) if (dir) await rm(dir, { recursive: true, force: true });
});

function directTls(proxy: TestProxy, options: { ALPNProtocols?: string[]; minVersion?: 'TLSv1'; maxVersion?: 'TLSv1.1' | 'TLSv1.2'; ciphers?: string } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port: proxy.proxy.port, rejectUnauthorized: false, ...options });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('direct TLS negotiation (PostgreSQL 17 sslnegotiation=direct)', () => {
  it('serves node-postgres with sslNegotiation direct', async () => {
    const client = new pg.Client({ connectionString: tls.url(), ssl: { rejectUnauthorized: false }, sslNegotiation: 'direct' } as pg.ClientConfig);
    await client.connect();
    try {
      expect((await client.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n).toBe(42);
    } finally {
      await client.end();
    }
  });

  it('refuses a ClientHello whose ALPN does not offer "postgresql" during the handshake', async () => {
    await expect(directTls(tls, { ALPNProtocols: ['http/1.1'] })).rejects.toThrow(/no application protocol/);
  });

  it('ends a direct TLS client without ALPN with 08P01 saying so', async () => {
    const socket = await directTls(tls);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(encodeStartupMessage({ protocolVersion: 3 << 16, parameters: new Map([['user', 'postgres'], ['database', 'postgres']]) }));
    await closed;
    const reply = Buffer.concat(chunks);
    expect(reply[0]).toBe(0x45); // ErrorResponse
    expect(reply.toString()).toContain('C08P01');
    expect(reply.toString()).toContain('received direct SSL connection request without ALPN protocol negotiation extension');
  });

  it('closes a direct TLS client when no certificate is configured, and keeps serving others', async () => {
    const socket = connectTcp(plain.proxy.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    await closed;
    const client = new pg.Client({ connectionString: plain.url() });
    await client.connect();
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });
});

describe('TLS versions', () => {
  it('accepts TLS 1.2', async () => {
    const socket = await directTls(tls, { ALPNProtocols: ['postgresql'], maxVersion: 'TLSv1.2' });
    expect(socket.getProtocol()).toBe('TLSv1.2');
    socket.destroy();
  });

  it('refuses TLS 1.1 with a protocol version alert from the proxy', async () => {
    await expect(directTls(tls, { ALPNProtocols: ['postgresql'], minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow(/alert protocol version/);
  });
});

describe('certificate reload', () => {
  it('serves a new certificate to new sessions after reloadTls (what SIGHUP does)', async () => {
    const fingerprint = async (): Promise<string> => {
      const socket = await directTls(tls, { ALPNProtocols: ['postgresql'] });
      const value = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      return value;
    };
    const before = await fingerprint();
    await copyFile(otherCerts.serverCert, files.certFile);
    await copyFile(otherCerts.serverKey, files.keyFile);
    await tls.proxy.reloadTls();
    const after = await fingerprint();
    expect(after).not.toBe(before);
  });

  it('keeps the current certificate when the new files are unreadable', async () => {
    const keyFile = files.keyFile;
    await rm(keyFile);
    await expect(tls.proxy.reloadTls()).rejects.toThrow(/ENOENT/);
    const client = new pg.Client({ connectionString: tls.url(), ssl: { rejectUnauthorized: false } });
    await client.connect();
    await client.end();
    await copyFile(otherCerts.serverKey, keyFile);
  });
});
