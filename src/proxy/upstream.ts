// Where the proxy's upstream server is, and opening a connection to it.
import { connect, type OnReadOpts, type Socket } from 'node:net';
import { join } from 'node:path';

export type UpstreamTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** From a postgres:// URL: only host and port matter, clients bring user and database. */
export function upstreamFromUrl(url: string): UpstreamTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`upstream must be a postgres:// URL, got ${url}`);
  }
  const port = parsed.port ? Number(parsed.port) : 5432;
  const socketDir = parsed.searchParams.get('host');
  const host = socketDir || decodeURIComponent(parsed.hostname) || 'localhost';
  if (host.startsWith('/')) return { kind: 'unix', path: join(host, `.s.PGSQL.${port}`) };
  return { kind: 'tcp', host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

export function describeUpstream(target: UpstreamTarget): string {
  return target.kind === 'tcp' ? `${target.host}:${target.port}` : target.path;
}

/** Resolves once connected; rejects on error or after timeoutMs. `onread`: reads land in the caller's buffers. */
export function connectUpstream(target: UpstreamTarget, timeoutMs: number, onread?: OnReadOpts): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where = target.kind === 'tcp' ? { port: target.port, host: target.host } : { path: target.path };
    const socket = connect(onread ? { ...where, onread } : where);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', reject);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
