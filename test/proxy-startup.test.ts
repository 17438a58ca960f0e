// The startup phase: SSLRequest and GSSENCRequest answered like a server
// would, TLS terminated by the proxy when it has a certificate.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { DatabaseError } from 'pg-protocol/dist/messages.js';
import { StartupCode } from '../src/protocol/index.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';
import { SocketBytes } from './harness/socket-bytes.js';

function request(code: number): Buffer {
  const packet = Buffer.alloc(8);
  packet.writeInt32BE(8, 0);
  packet.writeInt32BE(code, 4);
  return packet;
}

let plain: TestProxy;
let tls: TestProxy;
let certDir: string;

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'pggit-tls-'));
  const certFile = join(certDir, 'cert.pem');
  const keyFile = join(certDir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
  ]);
  plain = await startTestProxy();
  tls = await startTestProxy({ tls: { certFile, keyFile } });
});

afterAll(async () => {
  await plain?.stop();
  await tls?.stop();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe('startup without TLS configured', () => {
  it('answers SSLRequest with N so that psql sslmode=prefer connects in plain text', async () => {
    const result = await psql(plain.url({ params: 'sslmode=prefer' }), ['-c', '\\conninfo', '-At', '-c', 'SELECT 42']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^You are connected to database "postgres"/);
    expect(result.stdout).not.toContain('SSL connection');
    expect(result.stdout).toMatch(/^42$/m);
  });

  it('makes psql sslmode=require fail with "server does not support SSL"', async () => {
    const result = await psql(plain.url({ params: 'sslmode=require' }), ['-At', '-c', 'SELECT 1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('server does not support SSL');
  });

  it('answers GSSENCRequest with N and then accepts a normal startup on the same socket', async () => {
    const socket = await SocketBytes.connect(plain.proxy.port);
    socket.socket.write(request(StartupCode.GSSENCRequest));
    expect((await socket.waitForBytes(1)).toString('latin1')).toBe('N');
    socket.socket.write(serialize.startup({ user: 'postgres', database: 'postgres' }));
    await socket.waitForMessage((m) => m.name === 'readyForQuery', 1);
    expect(socket.messages(1)[0]?.name).toBe('authenticationOk');
    socket.socket.end(serialize.end());
    await socket.closed;
  });

  it('answers an SSLRequest and a StartupMessage sent in one write', async () => {
    const socket = await SocketBytes.connect(plain.proxy.port);
    socket.socket.write(Buffer.concat([request(StartupCode.SSLRequest), serialize.startup({ user: 'postgres' })]));
    await socket.waitForMessage((m) => m.name === 'readyForQuery', 1);
    expect(socket.bytes().toString('latin1', 0, 1)).toBe('N');
    socket.socket.end(serialize.end());
    await socket.closed;
  });
});

describe('startup with TLS configured', () => {
  it('terminates TLS for node-postgres: the client socket is encrypted and queries work', async () => {
    const client = new pg.Client({ connectionString: tls.url(), ssl: { rejectUnauthorized: false } });
    await client.connect();
    try {
      const stream = (client as unknown as { connection: { stream: unknown } }).connection.stream;
      expect(stream).toBeInstanceOf(TLSSocket);
      expect((stream as TLSSocket).encrypted).toBe(true);
      expect((stream as TLSSocket).getPeerCertificate().subject?.CN).toBe('localhost');
      const { rows } = await client.query('SELECT 1 + 1 AS two');
      expect(rows[0].two).toBe(2);
    } finally {
      await client.end();
    }
  });

  it('serves psql with sslmode=require over TLS', async () => {
    const result = await psql(tls.url({ params: 'sslmode=require' }), ['-c', '\\conninfo', '-At', '-c', 'SELECT 7']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SSL connection \(protocol: TLSv1\.[23]/);
    expect(result.stdout).toMatch(/^7$/m);
  });

  it('still serves a client that does not ask for TLS', async () => {
    const client = new pg.Client({ connectionString: tls.url(), ssl: false });
    await client.connect();
    const { rows } = await client.query('SELECT 3 AS n');
    await client.end();
    expect(rows[0].n).toBe(3);
  });

  it('answers GSSENCRequest with N and a following SSLRequest with S', async () => {
    const socket = await SocketBytes.connect(tls.proxy.port);
    socket.socket.write(request(StartupCode.GSSENCRequest));
    await socket.waitForBytes(1);
    socket.socket.write(request(StartupCode.SSLRequest));
    expect((await socket.waitForBytes(2)).toString('latin1')).toBe('NS');
    socket.socket.destroy();
  });

  it('rejects bytes sent after an SSLRequest before the handshake with 08P01, in plain text, and closes', async () => {
    const socket = await SocketBytes.connect(tls.proxy.port);
    socket.socket.write(Buffer.concat([request(StartupCode.SSLRequest), serialize.startup({ user: 'postgres' })]));
    await socket.closed;
    const [error, ...more] = socket.messages();
    expect(more).toEqual([]);
    expect(error).toMatchObject({ name: 'error', severity: 'FATAL', code: '08P01' } satisfies Partial<DatabaseError>);
    expect((error as DatabaseError).message).toContain('unencrypted data after SSL request');
  });
});
