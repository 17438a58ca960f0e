// Opening a connection to a PostgreSQL server, TLS negotiated as libpq
// does (SSLRequest, then 'S' and a handshake or 'N'), ready for the
// StartupMessage. Used by client sessions, cancel requests, the readiness
// probe and (through a pg stream) every pg connection of pggit's own.
import { connect as connectTcp, isIP, type OnReadOpts, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { join } from 'node:path';
import { ServerTls, ServerTlsError, type LoadedServerTls, type SslMode } from './server-tls.js';

export type ServerAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** A server and how to reach it; without tls settings, in clear text (a private local server). */
export type ServerTarget = ServerAddress & { readonly tls?: ServerTls };

const NO_TLS = new ServerTls({ mode: 'disable' });

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** From a postgres:// URL: host and port (or ?host=/socket/dir) and the TLS settings. */
export function serverTargetFromUrl(url: string): ServerTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`expected a postgres:// URL, got ${parsed.protocol}//...`);
  }
  const port = parsed.port ? Number(parsed.port) : 5432;
  const socketDir = parsed.searchParams.get('host');
  const host = socketDir || decodeURIComponent(parsed.hostname) || 'localhost';
  const tls = ServerTls.fromUrl(url);
  if (host.startsWith('/')) return { kind: 'unix', path: join(host, `.s.PGSQL.${port}`), tls };
  return { kind: 'tcp', host: host.replace(/^\[(.*)\]$/, '$1'), port, tls };
}

export function describeServer(target: ServerAddress): string {
  return target.kind === 'tcp' ? `${target.host}:${target.port}` : target.path;
}

export interface ConnectServerOptions {
  readonly timeoutMs: number;
  /**
   * The client reached pggit over TLS: its session never goes to the server
   * in clear text when the server accepts TLS (disable and allow count as
   * prefer, and a failed handshake is an error, not a retry in the clear).
   */
  readonly clientUsedTls?: boolean;
  /**
   * Reads into the caller's buffers (net's onread) whenever the session
   * stays in clear text (Unix socket, disable, allow, prefer answered N);
   * a TLS session reads through the TLS socket instead.
   */
  readonly onread?: OnReadOpts | undefined;
}

export interface ServerConnection {
  readonly socket: Socket;
  /** The socket was made with options.onread: its bytes arrive there, not as 'data' events. */
  readonly readsIntoBuffer: boolean;
}

/**
 * Resolves with a socket (a TLSSocket when TLS was negotiated) on which the
 * StartupMessage can be sent; rejects on error or after timeoutMs. Like
 * libpq, TLS is never used over a Unix-domain socket.
 */
export async function connectServer(target: ServerTarget, options: ConnectServerOptions): Promise<Socket> {
  return (await openServerConnection(target, options)).socket;
}

/** connectServer, saying whether the caller's onread receives the bytes. */
export async function openServerConnection(target: ServerTarget, options: ConnectServerOptions): Promise<ServerConnection> {
  const deadline = Date.now() + options.timeoutMs;
  const clientUsedTls = options.clientUsedTls === true;
  const tls = target.tls ?? NO_TLS;
  const mode = effectiveMode(tls.mode, clientUsedTls);
  if (target.kind === 'unix' || mode === 'disable' || mode === 'allow') {
    return { socket: await connectSocket(target, options.timeoutMs, options.onread), readsIntoBuffer: options.onread !== undefined };
  }
  // Certificate files first: a configuration error is not a network error.
  const loaded = await tls.load();
  // With the caller's onread the socket keeps it when the server answers N
  // (prefer against a server without TLS: the common local setup); the
  // answer itself is read through the same callback, switched afterwards.
  const reads = options.onread ? new SwitchedReads(options.onread) : undefined;
  const plain = await connectSocket(target, options.timeoutMs, reads?.options);
  try {
    const socket = await withDeadline(negotiate(plain, target, mode, loaded, reads), deadline, plain);
    const readsIntoBuffer = reads !== undefined && socket === plain;
    if (readsIntoBuffer) reads.handOver();
    return { socket, readsIntoBuffer };
  } catch (error) {
    plain.destroy();
    // libpq's prefer: a failed handshake is tried again without TLS (never for a TLS client).
    const retryInClear = mode === 'prefer' && !clientUsedTls && error instanceof TlsHandshakeError;
    if (!retryInClear) throw error;
    const socket = await connectSocket(target, Math.max(1, deadline - Date.now()), options.onread);
    return { socket, readsIntoBuffer: options.onread !== undefined };
  }
}

/** The mode a session uses: a TLS client is carried over TLS whenever the server accepts it. */
export function effectiveMode(configured: SslMode, clientUsedTls: boolean): SslMode {
  return clientUsedTls && (configured === 'disable' || configured === 'allow') ? 'prefer' : configured;
}

class TlsHandshakeError extends ServerTlsError {}

async function negotiate(socket: Socket, target: { host: string }, mode: SslMode, loaded: LoadedServerTls, reads: SwitchedReads | undefined): Promise<Socket> {
  const answer = await requestTls(socket, reads);
  if (answer === 'N') {
    if (mode === 'prefer') return socket;
    throw new ServerTlsError(`server does not support SSL, but SSL was required (sslmode=${mode})`);
  }
  return new Promise((resolve, reject) => {
    const secure = connectTls({
      ...loaded.options,
      socket,
      host: target.host,
      // SNI carries names, never addresses (RFC 6066).
      ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
    });
    secure.once('secureConnect', () => {
      secure.removeListener('error', onError);
      resolve(secure);
    });
    const onError = (error: Error): void => {
      secure.destroy();
      reject(new TlsHandshakeError(`SSL error: ${error.message} (sslmode=${mode})`));
    };
    secure.once('error', onError);
  });
}

/**
 * A socket's onread whose callback is ours until handOver(): the SSLRequest
 * answer arrives through it, then every read goes to the caller's callback.
 */
class SwitchedReads {
  readonly options: OnReadOpts;
  private onChunk: ((chunk: Buffer) => void) | undefined;
  private handedOver = false;

  constructor(caller: OnReadOpts) {
    this.options = {
      buffer: caller.buffer,
      callback: (bytes, buffer) => {
        if (this.handedOver) return caller.callback(bytes, buffer);
        this.onChunk?.(Buffer.from(buffer.subarray(0, bytes)));
        return true;
      },
    };
  }

  /** Chunks read before handOver() go to onChunk. */
  listen(onChunk: ((chunk: Buffer) => void) | undefined): void {
    this.onChunk = onChunk;
  }

  handOver(): void {
    this.handedOver = true;
  }
}

/** Sends SSLRequest and reads the one-byte answer ('data' events, or `reads` when the socket has onread). */
function requestTls(socket: Socket, reads?: SwitchedReads): Promise<'S' | 'N'> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      if (reads) reads.listen(undefined);
      else socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      // Nothing more comes until the handshake or the StartupMessage, so the socket stays flowing.
      cleanup();
      const answer = chunk[0];
      // Bytes after 'S' would be read as if they came through TLS (CVE-2021-23222).
      if (chunk.length > 1) reject(new ServerTlsError('received unencrypted data after SSL response'));
      else if (answer === 0x53) resolve('S');
      else if (answer === 0x4e) resolve('N');
      else reject(new ServerTlsError(`received invalid response to SSL negotiation: ${String(answer)}`));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new ServerTlsError('server closed the connection during SSL negotiation'));
    };
    if (reads) reads.listen(onData);
    else socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(SSL_REQUEST);
  });
}

function connectSocket(target: ServerAddress, timeoutMs: number, onread?: OnReadOpts): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where = target.kind === 'tcp' ? { port: target.port, host: target.host } : { path: target.path };
    const socket = connectTcp(onread ? { ...where, onread } : where);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      resolve(socket);
    });
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}

function withDeadline<T>(work: Promise<T>, deadline: number, socket: Socket): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('timed out during SSL negotiation'), { code: 'ETIMEDOUT' }));
    }, Math.max(1, deadline - Date.now()));
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
