// A catalog read runs in one snapshot with settings that make the server's
// deparsers deterministic: search_path = '' (every user name qualified),
// ISO dates, UTC, full float precision (and no JIT, see SETTINGS). On an
// idle connection it is its own REPEATABLE READ READ ONLY transaction;
// inside the caller's transaction it runs in a savepoint whose rollback also
// undoes the settings.
import type pg from 'pg';
import { userSchema } from './sql.js';

/**
 * What a catalog read needs of a connection: a pg client, or pggit's own
 * queries on a client's connection inside its transaction (the proxy's
 * InjectedQueries, which ignores statement names).
 */
export interface CatalogClient {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: Array<Record<string, unknown>> }>;
  getTransactionStatus(): string | null;
  /** Made with `pipeline: true` (see CatalogPools): queries may be sent before earlier ones are answered. */
  readonly pipeline?: boolean;
}

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
  ['plan_cache_mode', 'force_generic_plan'],
];

// A scoped read looks up a few OIDs, but its generic plans cannot know how
// few: left to its estimates the planner scans pg_class, pg_type and
// pg_depend whole (O(schema) per read, 3-4x the read's server time at 2,000
// tables). Index lookups are always the right plan there.
const FEW_OBJECTS: ReadonlyArray<readonly [string, string]> = [['enable_seqscan', 'off']];

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

/** A catalog read session, as its work sees it. */
export interface CatalogSession {
  readonly query: CatalogQuery;
  /** The schemas the connection's own search_path resolved to, before the session cleared it. */
  readonly searchPath: readonly string[];
  /** Every user schema, in the session's snapshot. */
  readonly userSchemas: readonly string[];
  /**
   * Runs reads that do not depend on each other: on a pipelined connection
   * all are sent at once (one round trip), else one after another. Settles
   * all of them before it rejects with the first error.
   */
  all<R>(reads: ReadonlyArray<() => Promise<R>>): Promise<R[]>;
  /**
   * Like all, for the session's last reads: on a pipelined connection the
   * session's end (COMMIT) goes in the same round trip. No query may follow.
   */
  last<R>(reads: ReadonlyArray<() => Promise<R>>): Promise<R[]>;
}

const PATHS = `SELECT current_schemas(false)::text[] AS path,
  (SELECT coalesce(array_agg(n.nspname::text ORDER BY n.nspname), '{}') FROM pg_namespace n WHERE ${userSchema('n')}) AS schemas`;

/** How a catalog read session begins (and what it tells before it ends). */
export interface SessionStart<F, T> {
  /**
   * Runs right after the session began, before search_path is cleared (it
   * sees the connection's own), in the same round trip on a pipelined
   * connection; work gets its result.
   */
  readonly first?: (query: CatalogQuery) => Promise<F>;
  /** The read looks up a few objects by OID (a scoped read): plan for index lookups. */
  readonly fewObjects?: boolean;
  /**
   * Called with work's result as soon as it is in, before the session's
   * COMMIT has come back (one round trip sooner): what was read is final
   * once work resolved, whatever becomes of the COMMIT.
   */
  readonly onResult?: (result: T) => void;
  /**
   * Bounds the read's waits for relation locks (a read inside a client's
   * transaction must not sit on its locks behind another session's).
   */
  readonly lockTimeout?: string;
  /**
   * Called right after the session's end was sent (on a pipelined
   * connection, in the round trip of its last reads): what must follow it
   * on the connection can go at once (a client transaction's COMMIT).
   */
  readonly afterEnd?: () => void;
}

/** Runs work in a catalog read session. */
export async function withCatalogSession<T, F = undefined>(
  client: CatalogClient,
  work: (session: CatalogSession, first: F) => Promise<T>,
  { first, fewObjects = false, onResult, lockTimeout, afterEnd }: SessionStart<F, T> = {},
): Promise<T> {
  const status = client.getTransactionStatus();
  if (status === 'E') throw new CatalogSessionError(ABORTED);
  const nested = status === 'T';
  const end = nested ? `ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}` : 'COMMIT';
  // Set once the session's end was sent: with a pipelined end it may be before work is over.
  let ending: Promise<unknown> | undefined;
  const sendEnd = (text: string): Promise<unknown> => {
    const sent = (ending = client.query(text));
    sent.catch(() => undefined); // awaited once work is over
    afterEnd?.();
    return sent;
  };
  const query: CatalogQuery = async <R extends Record<string, unknown>>(text: string, values?: readonly unknown[], name?: string) => {
    if (ending) throw new Error('catalog read session: a query after the session ended');
    return (await client.query(name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] })).rows as R[];
  };
  const atOnce = pipelined(client);
  const all = atOnce ? allAtOnce : oneByOne;
  const last = async <R>(reads: ReadonlyArray<() => Promise<R>>): Promise<R[]> => {
    if (!atOnce) return oneByOne(reads);
    const outcomes = settle(reads, true);
    // Behind the reads on the wire: after a failed one the server turns a COMMIT into a ROLLBACK.
    sendEnd(end);
    return valuesOf(await outcomes);
  };
  // search_path is cleared last: `first` may look names up in it.
  const settings = [...SETTINGS, ...(fewObjects ? FEW_OBJECTS : []), ...(lockTimeout === undefined ? [] : [['lock_timeout', lockTimeout] as const])];
  const [path, others] = [settings.filter(([name]) => name === 'search_path'), settings.filter(([name]) => name !== 'search_path')];
  const opening = await settle<unknown>([
    () => client.query(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    // Named: prepared once per connection, where the connection keeps them (see CatalogQuery).
    () => query<{ path: string[]; schemas: string[] }>(PATHS, [], 'pggit_catalog_paths'),
    () => query(setConfig(others), others.map(([, value]) => value), fewObjects ? 'pggit_catalog_settings_few' : 'pggit_catalog_settings'),
    () => (first ? first(query) : Promise.resolve(undefined as F)),
    () => query(setConfig(path), path.map(([, value]) => value), 'pggit_catalog_search_path'),
  ], all === allAtOnce);
  const began = opening[0]!;
  if (began.status === 'rejected') {
    // The status may lag behind a failure whose ReadyForQuery has not been read yet.
    if ((began.reason as { code?: string }).code === '25P02') throw new CatalogSessionError(ABORTED);
    throw began.reason;
  }
  try {
    const failed = opening.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const paths = (opening[1] as PromiseFulfilledResult<Array<{ path: string[]; schemas: string[] }>>).value[0];
    const session: CatalogSession = { query, searchPath: paths?.path ?? [], userSchemas: paths?.schemas ?? [], all, last };
    const result = await work(session, (opening[3] as PromiseFulfilledResult<F>).value);
    ending ??= sendEnd(end);
    onResult?.(result);
    await ending;
    return result;
  } catch (error) {
    // An end already sent ends the session whatever came before it (a second one would fail in the caller's transaction).
    await (ending ?? sendEnd(nested ? end : 'ROLLBACK')).catch(() => undefined);
    throw error;
  }
}

function setConfig(settings: ReadonlyArray<readonly [string, string]>): string {
  return `SELECT ${settings.map(([name], i) => `set_config('${name}', $${i + 1}, true)`).join(', ')}`;
}

/** True for a connection made with `pipeline: true` (see CatalogPools). */
export function pipelined(client: CatalogClient): boolean {
  return client.pipeline === true;
}

async function settle<R>(reads: ReadonlyArray<() => Promise<R>>, atOnce: boolean): Promise<PromiseSettledResult<R>[]> {
  if (atOnce) return Promise.allSettled(reads.map((read) => read()));
  const outcomes: PromiseSettledResult<R>[] = [];
  for (const read of reads) {
    // One after another stops at the first failure, as a pipeline's transaction would.
    if (outcomes.some((outcome) => outcome.status === 'rejected')) break;
    outcomes.push(await read().then((value): PromiseSettledResult<R> => ({ status: 'fulfilled', value }), (reason: unknown) => ({ status: 'rejected', reason })));
  }
  return outcomes;
}

async function allAtOnce<R>(reads: ReadonlyArray<() => Promise<R>>): Promise<R[]> {
  return valuesOf(await settle(reads, true));
}

async function oneByOne<R>(reads: ReadonlyArray<() => Promise<R>>): Promise<R[]> {
  return valuesOf(await settle(reads, false));
}

function valuesOf<R>(outcomes: readonly PromiseSettledResult<R>[]): R[] {
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<R>).value);
}
