// A pooled connection can die at any time (server restart,
// pg_terminate_backend). node-postgres reports that as an 'error' event:
// on the pool while the connection is idle, on the client while it is
// checked out between two queries. An 'error' event nobody listens to
// ends the process, so both get a listener; the next query on that client
// fails with a connection error the caller handles (retry, reconcile), and
// the pool replaces the client once it is released.
import type pg from 'pg';

export function surviveLostConnections(pool: pg.Pool): pg.Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
