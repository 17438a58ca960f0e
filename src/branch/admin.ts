// What every branch operation needs: the metadata store (read-write) and an
// admin connection to the upstream server, with a role that may create and
// drop databases (the proxy's own, from --upstream).
import pg from 'pg';
import { databaseConfig, databaseOfUrl, HistoryReader, StoreError, type HistoryStore } from '../store/index.js';
import { BranchError } from './branch-error.js';
import { PGGIT_APPLICATIONS } from './source-sessions.js';

export interface BranchContext {
  readonly store: HistoryStore;
  /** postgres:// URL of the upstream server, as the proxy's role. */
  readonly upstreamUrl: string;
}

/** Runs fn with a client on database (default: the upstream URL's own). */
export async function withDatabase<T>(context: BranchContext, database: string | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const name = database ?? (databaseOfUrl(context.upstreamUrl) || 'postgres');
  const client = new pg.Client({ ...databaseConfig(context.upstreamUrl, name), application_name: 'pggit branch' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A reader over the store's pool (history queries: resolveRef, schemaAt). */
export function readerOf(context: BranchContext): HistoryReader {
  return new HistoryReader(context.store.pool, '(store)');
}

/** The repository's id; an error naming the known ones when it has no history. */
export async function repositoryIdOf(context: BranchContext, repository: string): Promise<number> {
  await context.store.ensureReady();
  const { rows } = await context.store.pool.query<{ id: number }>('SELECT id FROM pggit.repositories WHERE name = $1', [repository]);
  if (rows[0]) return rows[0].id;
  const known = (await context.store.pool.query<{ name: string }>('SELECT name FROM pggit.repositories ORDER BY name')).rows.map((row) => row.name);
  throw new BranchError(
    'UNKNOWN_REPOSITORY',
    `no history for database "${repository}" in the store (${known.length > 0 ? `repositories: ${known.join(', ')}` : 'no database has been seen through a proxy yet'})`,
  );
}

/** Client sessions on a database, not counting pggit's own connections (recorder, guard, branch operations). */
export async function clientSessions(admin: pg.ClientBase, databases: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await admin.query<{ datname: string; n: number }>(
    `SELECT datname, count(*)::int AS n FROM pg_stat_activity
      WHERE datname = ANY($1) AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND NOT application_name = ANY($2)
      GROUP BY datname`,
    [databases, PGGIT_APPLICATIONS],
  );
  return new Map(rows.map((row) => [row.datname, row.n]));
}

/** Store errors about refs become branch errors with the same message. */
export function asBranchError(error: unknown): unknown {
  if (error instanceof StoreError) {
    if (error.code === 'UNKNOWN_BRANCH') return new BranchError('UNKNOWN_BRANCH', error.message);
    if (error.code === 'UNKNOWN_REPOSITORY') return new BranchError('UNKNOWN_REPOSITORY', error.message);
    if (error.code === 'NO_MERGE' || error.code === 'UNKNOWN_CONFLICT' || error.code === 'HEAD_MOVED' || error.code === 'MERGE_IN_PROGRESS') return new BranchError(error.code, error.message);
  }
  return error;
}
