// Connects to the metadata store lazily: the proxy starts (and forwards
// traffic) whether or not the store is there; the store's database is
// created when missing and allowed, and migrations run on first use and
// again after a failure.
import pg from 'pg';
import { urlConfig } from './connection-config.js';
import { HistoryStore } from './history-store.js';
import { migrate } from './migrations.js';
import { surviveLostConnections } from './pool-errors.js';
import { ensureStoreDatabase } from './store-database.js';

export interface OpenStoreOptions {
  readonly url: string;
  readonly poolSize?: number;
}

/** A store whose ensureReady() must resolve before use. */
export function connectStore(options: OpenStoreOptions): HistoryStore {
  const pool = new pg.Pool({
    ...urlConfig(options.url),
    max: options.poolSize ?? 4,
    application_name: 'pggit',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // A pooled connection that dies (store restart, terminated) must not crash us.
  surviveLostConnections(pool);
  return new HistoryStore(pool, async () => {
    await ensureStoreDatabase(options.url);
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  });
}

/** Connects and prepares the store now (for commands that need it at once). */
export async function openStore(options: OpenStoreOptions): Promise<HistoryStore> {
  const store = connectStore(options);
  try {
    await store.ensureReady();
  } catch (error) {
    await store.pool.end();
    throw error;
  }
  return store;
}

/** The default store: database "pggit" on the upstream server, same credentials. */
export function defaultStoreUrl(upstreamUrl: string): string {
  const url = new URL(upstreamUrl);
  url.pathname = '/pggit';
  return url.toString();
}
