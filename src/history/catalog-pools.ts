// The proxy's own connections to each client database, for catalog reads.
// Credentials are the proxy's (from --upstream), never a client's.
import pg from 'pg';
import { databaseConfig, surviveLostConnections } from '../store/index.js';

/** The maintenance database every cluster has (initdb creates it; createdb and pg_dumpall connect there too). */
export const DEFAULT_LOCK_DATABASE = 'postgres';

export class CatalogPools {
  private readonly pools = new Map<string, pg.Pool>();
  /** Connections kept outside the pools (schema-change locks), by database. */
  private readonly own = new Map<string, Set<pg.Client>>();

  private readonly applicationName: string;
  /** Where the schema-change locks are taken (schema-change-lock.ts): a database applications do not look into. */
  readonly lockDatabase: string;

  constructor(
    private readonly upstreamUrl: string,
    options: { readonly applicationName?: string; readonly lockDatabase?: string | undefined } = {},
  ) {
    this.applicationName = options.applicationName ?? 'pggit recorder';
    this.lockDatabase = options.lockDatabase ?? DEFAULT_LOCK_DATABASE;
  }

  pool(database: string): pg.Pool {
    let pool = this.pools.get(database);
    if (!pool) {
      // Observed commits are read in parallel; reconciliation takes one more.
      // Pipelined: a read sends its independent queries at once (session.ts).
      pool = new pg.Pool({
        ...databaseConfig(this.upstreamUrl, database),
        max: 5,
        idleTimeoutMillis: 30_000,
        application_name: this.applicationName,
        pipeline: true,
      });
      surviveLostConnections(pool); // a lost connection: the next checkout reconnects
      this.pools.set(database, pool);
    }
    return pool;
  }

  /** A connection of its own for work on `database` (made to `connectTo`), not connected yet; closed with the database's pool. */
  client(database: string, applicationName: string, connectTo = database): pg.Client {
    const client = new pg.Client({ ...databaseConfig(this.upstreamUrl, connectTo), application_name: applicationName });
    let clients = this.own.get(database);
    if (!clients) this.own.set(database, (clients = new Set()));
    clients.add(client);
    client.on('end', () => clients.delete(client));
    return client;
  }

  /** Closes the pool of one database (it was dropped). */
  async close(database: string): Promise<void> {
    const pool = this.pools.get(database);
    this.pools.delete(database);
    await Promise.all([pool?.end().catch(() => undefined), ...this.endOwn(database)]);
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
    await Promise.all([...this.own.keys()].flatMap((database) => this.endOwn(database)));
  }

  private endOwn(database: string): Array<Promise<void>> {
    const clients = [...(this.own.get(database) ?? [])];
    this.own.delete(database);
    return clients.map((client) => client.end().catch(() => undefined));
  }
}
