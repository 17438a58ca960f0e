// pg_database_size of some databases, one query: `branch list` and the size watcher.
import type pg from 'pg';

/** datname -> bytes; a database that does not exist is left out. */
export async function databaseSizes(admin: pg.ClientBase, databases: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await admin.query<{ datname: string; size: string }>(
    'SELECT datname, pg_database_size(oid)::text AS size FROM pg_database WHERE datname = ANY($1)',
    [databases],
  );
  return new Map(rows.map((row) => [row.datname, Number(row.size)]));
}
