// How many tables --with-data copies at once. PostgreSQL has no SQL to ask
// for the server's cores, so the default is this machine's cores when the
// server is on this machine (localhost, a loopback address or a Unix
// socket), else FALLBACK_JOBS; at most MAX_JOBS, and never more than the
// server's free connections allow (each worker holds two).
import os from 'node:os';
import type pg from 'pg';

export const MAX_JOBS = 8;
const FALLBACK_JOBS = 4;
/** Connections left for everyone else. */
const SPARE_CONNECTIONS = 5;

export function defaultJobs(upstreamUrl: string): number {
  return Math.min(MAX_JOBS, serverIsLocal(upstreamUrl) ? os.availableParallelism() : FALLBACK_JOBS);
}

export function serverIsLocal(upstreamUrl: string): boolean {
  const url = new URL(upstreamUrl);
  const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1');
  return host === '' || host.startsWith('/') || host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function jobsThatFit(client: pg.ClientBase, wanted: number): Promise<number> {
  const { rows: [row] } = await client.query<{ free: number }>(`
    SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
           - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS free`);
  return Math.max(1, Math.min(wanted, Math.floor(((row?.free ?? 0) - SPARE_CONNECTIONS) / 2)));
}
