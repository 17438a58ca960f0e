// The proxy's own connections to each client database, for catalog reads.
// Credentials are the proxy's (from --upstream), never a client's.
import pg from 'pg';
import { databaseConfig, surviveLostConnections } from '../store/index.js';

export class CatalogPools {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly upstreamUrl: string) {}

  pool(database: string): pg.Pool {
    let pool = this.pools.get(database);
    if (!pool) {
      // Observed commits are read in parallel; reconciliation takes one more.
      // Pipelined: a read sends its independent queries at once (session.ts).
      pool = new pg.Pool({
        ...databaseConfig(this.upstreamUrl, database),
        max: 5,
        idleTimeoutMillis: 30_000,
        application_name: 'pggit recorder',
        pipeline: true,
      });
      surviveLostConnections(pool); // a lost connection: the next checkout reconnects
      this.pools.set(database, pool);
    }
    return pool;
  }

  /** Closes the pool of one database (it was dropped). */
  async close(database: string): Promise<void> {
    const pool = this.pools.get(database);
    this.pools.delete(database);
    await pool?.end().catch(() => undefined);
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
  }
}
