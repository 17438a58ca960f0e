// A catalog read runs in one snapshot with settings that make the server's
// deparsers deterministic: search_path = '' (every user name qualified),
// ISO dates, UTC, full float precision (and no JIT, see SETTINGS). On an
// idle connection it is its own REPEATABLE READ READ ONLY transaction;
// inside the caller's transaction it runs in a savepoint whose rollback also
// undoes the settings.
import type pg from 'pg';

/** Runs one catalog query; with a name, as a prepared statement kept on the connection. */
export type CatalogQuery = <R extends Record<string, unknown>>(text: string, values?: readonly unknown[], name?: string) => Promise<R[]>;

const SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ['search_path', ''],
  ['DateStyle', 'ISO, YMD'],
  ['IntervalStyle', 'postgres'],
  ['TimeZone', 'UTC'],
  ['extra_float_digits', '3'],
  ['bytea_output', 'hex'],
  ['quote_all_identifiers', 'off'],
  ['standard_conforming_strings', 'on'],
  // Catalog queries are many small index lookups; compiling them costs more
  // than running them.
  ['jit', 'off'],
  // Scoped reads run as prepared statements (statement.ts); let the server
  // switch them to a generic plan when that is as good.
  ['plan_cache_mode', 'auto'],
];

const SAVEPOINT = 'pggit_catalog_read';
const ABORTED = 'cannot read the catalog: the connection is in a failed transaction';

export class CatalogSessionError extends Error {
  readonly code = 'TRANSACTION_ABORTED';
}

/** A concurrent DROP removed an object between the read's snapshot and a pg_get_*def call. */
export class CatalogRaceError extends Error {
  readonly code = 'CONCURRENT_DROP';
}

// What the server says when a pg_get_*def function or a cast to regclass
// looks up an object that a transaction committed after our snapshot dropped.
const RACE_MESSAGES = /cache lookup failed for|could not open relation with OID|could not find tuple for/;

/** True for an error that a new read (a new snapshot) does not meet again. */
export function isCatalogRace(error: unknown): boolean {
  if (error instanceof CatalogRaceError) return true;
  const { code, message } = error as { code?: string; message?: string };
  return code === 'XX000' && RACE_MESSAGES.test(message ?? '');
}

/**
 * Runs work in a catalog read session; it also gets the schemas the
 * connection's own search_path resolved to before the session cleared it.
 */
export async function withCatalogSession<T>(
  client: pg.ClientBase,
  work: (query: CatalogQuery, searchPath: readonly string[]) => Promise<T>,
): Promise<T> {
  const status = client.getTransactionStatus();
  if (status === 'E') throw new CatalogSessionError(ABORTED);
  const nested = status === 'T';
  try {
    await client.query(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (error) {
    // The status may lag behind a failure whose ReadyForQuery has not been read yet.
    if ((error as { code?: string }).code === '25P02') throw new CatalogSessionError(ABORTED);
    throw error;
  }
  try {
    const path = await client.query<{ path: string[] }>('SELECT current_schemas(false)::text[] AS path');
    const set = SETTINGS.map(([name], i) => `set_config('${name}', $${i + 1}, true)`).join(', ');
    await client.query(`SELECT ${set}`, SETTINGS.map(([, value]) => value));
    const query: CatalogQuery = async (text, values, name) =>
      (await client.query(name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] })).rows;
    const result = await work(query, path.rows[0]?.path ?? []);
    await client.query(nested ? `ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}` : 'COMMIT');
    return result;
  } catch (error) {
    await client
      .query(nested ? `ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}` : 'ROLLBACK')
      .catch(() => undefined);
    throw error;
  }
}
