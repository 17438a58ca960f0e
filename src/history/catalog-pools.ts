// The proxy's own connections to each client database, for catalog reads.
// Credentials are the proxy's (from --upstream), never a client's.
import pg from 'pg';

export class CatalogPools {
  private readonly pools = new Map<string, pg.Pool>();

  constructor(private readonly upstreamUrl: string) {}

  pool(database: string): pg.Pool {
    let pool = this.pools.get(database);
    if (!pool) {
      const url = new URL(this.upstreamUrl);
      url.pathname = `/${encodeURIComponent(database)}`;
      pool = new pg.Pool({ connectionString: url.toString(), max: 2, idleTimeoutMillis: 30_000, application_name: 'pggit recorder' });
      pool.on('error', () => undefined); // an idle connection lost: the next checkout reconnects
      this.pools.set(database, pool);
    }
    return pool;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
  }
}
