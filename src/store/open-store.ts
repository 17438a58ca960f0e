// Connects to the metadata store: creates its database when missing and
// allowed, applies migrations, and hands out a HistoryStore over a pool.
import pg from 'pg';
import { HistoryStore } from './history-store.js';
import { migrate } from './migrations.js';
import { ensureStoreDatabase } from './store-database.js';

export interface OpenStoreOptions {
  readonly url: string;
  readonly poolSize?: number;
}

export async function openStore(options: OpenStoreOptions): Promise<HistoryStore> {
  await ensureStoreDatabase(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    application_name: 'pggit',
    idleTimeoutMillis: 30_000,
  });
  // An idle pooled connection that dies (store restart) must not crash us.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    await migrate(client);
  } finally {
    client.release();
  }
  return new HistoryStore(pool);
}

/** The default store: database "pggit" on the upstream server, same credentials. */
export function defaultStoreUrl(upstreamUrl: string): string {
  const url = new URL(upstreamUrl);
  url.pathname = '/pggit';
  return url.toString();
}
