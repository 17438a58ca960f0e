// The catalog read of an observed commit: the objects its statements name
// (unqualified names looked up in every user schema, see search-path.ts)
// plus what depends on them in the tree recorded so far; or the whole
// catalog when the statements cannot be scoped. A read that races a
// concurrent DROP ("cache lookup failed", "could not open relation") is
// tried again.
//
// Commits of one database whose sessions wait at the same moment are read
// together: a scoped read costs the server about as much for one table as
// for several (its statements' fixed cost dominates), so while
// READS_IN_FLIGHT reads of a database are under way the commits that arrive
// queue, and the next read takes them all in one snapshot (readScopes) and
// splits the objects back per commit. That snapshot comes after each of
// their commits and before any of their sessions' next statement (all are
// held), as a read of its own would. Commits whose objects cannot be told
// apart are read one by one.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { ChangeSet } from '../ddl/index.js';
import type { SnapshotRead } from '../metrics/index.js';
import { expandScope, parseKey, readCatalog, readScope, readScopes, WHOLE_KINDS, type CatalogClient, type SchemaObject, type ScopedRead, type SnapshotScope } from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import { scopeOfChangeSet } from './change-scope.js';
import { isConnectionError } from './connection-errors.js';
import { resolvedThroughPath } from './search-path.js';

/** What an observed commit's read found. */
export type ObservedRead = { readonly full: SchemaObject[] } | { readonly scope: SnapshotScope; readonly scoped: ScopedRead };

const READ_ATTEMPTS = 3;

/**
 * A read before COMMIT holds the transaction's locks while it runs: one
 * that meets another session's lock gives up soon (the commit is read after
 * it instead) rather than wait, or let a session waiting for those locks
 * meet a deadlock that pggit made.
 */
const READ_AHEAD_LOCK_TIMEOUT = '100ms';

/** Scoped reads of one database under way at once; commits arriving meanwhile are read together by the next. */
const READS_IN_FLIGHT = 2;
/** Commits read together at most. */
const MAX_COMBINED = 32;

/** A commit waiting for its database's next read. */
interface Waiting {
  readonly scope: SnapshotScope;
  readonly taken: (() => void) | undefined;
  readonly done: (read: ObservedRead | undefined) => void;
}

class DatabaseReads {
  inFlight = 0;
  readonly waiting: Waiting[] = [];
}

/** Reads that took several commits at once, and how many commits they took. */
export interface CombinedReads {
  reads: number;
  commits: number;
}

/** Hears how many commits each scoped read served: before its COMMIT or alone (one), or together. */
export type SnapshotReadSink = (read: SnapshotRead, commits: number) => void;

export class ObservedReader {
  private readonly databases = new Map<string, DatabaseReads>();
  /** Whole-catalog reads under way, per database. */
  private readonly wholeReads = new Map<string, Set<Promise<unknown>>>();
  readonly combined: CombinedReads = { reads: 0, commits: 0 };

  constructor(
    private readonly pools: CatalogPools,
    private readonly log: Logger,
    private readonly counted?: SnapshotReadSink,
  ) {}

  /**
   * Undefined when the catalog could not be read (the caller reconciles).
   * `taken` hears of a scoped read as soon as it is in, one round trip
   * before the read's transaction has ended.
   */
  read(database: string, changeSet: ChangeSet, tree: readonly SchemaObject[], taken?: () => void): Promise<ObservedRead | undefined> {
    const scope = scopeToRead(changeSet, tree);
    if (scope === undefined) return this.readWhole(database, taken);
    // The kinds read whole are not split by commit.
    if (!combinable(scope)) return this.readAlone(database, scope, taken);
    let reads = this.databases.get(database);
    if (!reads) this.databases.set(database, (reads = new DatabaseReads()));
    const queue = reads;
    return new Promise((done) => {
      queue.waiting.push({ scope, taken, done });
      this.next(database, queue);
    });
  }

  /**
   * A commit's scoped read inside its own transaction, on its session's
   * connection, just before its COMMIT goes (see Recorder.planReadAhead).
   * `afterEnd` is called right after the read's end (its savepoint's
   * rollback) was sent, in the round trip of its last queries. Undefined
   * when the read failed (its savepoint undid all it did).
   */
  async readWithin(client: CatalogClient, database: string, scope: SnapshotScope, afterEnd?: () => void): Promise<ObservedRead | undefined> {
    try {
      const scoped = await readScope(client, scope, undefined, { lockTimeout: READ_AHEAD_LOCK_TIMEOUT, afterEnd });
      this.counted?.('before_commit', 1);
      return { scope, scoped };
    } catch (error) {
      this.log.debug({ err: error, database }, 'catalog read before COMMIT failed; reading after the commit');
      return undefined;
    }
  }

  /**
   * Settles once every whole-catalog read of the database under way now is
   * over; undefined when there is none. Such a read takes long enough that
   * concurrent DROPs elsewhere in the database can defeat every retry (each
   * retry is a new snapshot that meets the next drop): the recorder holds new
   * proxied DDL meanwhile (Recorder.ddlStarted), so a retry finds it quiet.
   */
  wholeReadsUnderWay(database: string): Promise<void> | undefined {
    const reads = this.wholeReads.get(database);
    return reads === undefined ? undefined : Promise.allSettled(reads).then(() => undefined);
  }

  private readWhole(database: string, taken: (() => void) | undefined): Promise<ObservedRead | undefined> {
    const read = this.readAlone(database, undefined, taken);
    let reads = this.wholeReads.get(database);
    if (!reads) this.wholeReads.set(database, (reads = new Set()));
    reads.add(read);
    const under = reads;
    void read.finally(() => {
      under.delete(read);
      if (under.size === 0 && this.wholeReads.get(database) === under) this.wholeReads.delete(database);
    });
    return read;
  }

  /** Starts reads while the database has room for them: each takes every waiting commit of one searchPath. */
  private next(database: string, reads: DatabaseReads): void {
    while (reads.inFlight < READS_IN_FLIGHT && reads.waiting.length > 0) {
      const searchPath = reads.waiting[0]!.scope.searchPath;
      const batch: Waiting[] = [];
      for (let i = 0; i < reads.waiting.length && batch.length < MAX_COMBINED; ) {
        if (reads.waiting[i]!.scope.searchPath === searchPath) batch.push(...reads.waiting.splice(i, 1));
        else i += 1;
      }
      reads.inFlight += 1;
      void this.readBatch(database, batch).finally(() => {
        reads.inFlight -= 1;
        if (reads.inFlight === 0 && reads.waiting.length === 0) this.databases.delete(database);
        else this.next(database, reads);
      });
    }
  }

  private async readBatch(database: string, batch: readonly Waiting[]): Promise<void> {
    if (batch.length > 1) {
      const reads = await this.readTogether(database, batch);
      if (reads) {
        this.combined.reads += 1;
        this.combined.commits += batch.length;
        this.counted?.('together', batch.length);
        batch.forEach((member, i) => member.done({ scope: member.scope, scoped: reads[i]! }));
        return;
      }
    }
    await Promise.all(batch.map(async (member) => member.done(await this.readAlone(database, member.scope, member.taken))));
  }

  /** One read for the batch, or undefined (read them one by one: nothing of theirs was released). */
  private async readTogether(database: string, batch: readonly Waiting[]): Promise<ScopedRead[] | undefined> {
    let found: ScopedRead[] | undefined;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pools.pool(database).connect();
      return await readScopes(
        client,
        batch.map((member) => member.scope),
        (early) => {
          found = early;
          for (const member of batch) member.taken?.();
        },
      );
    } catch (error) {
      // Only the read's COMMIT failed: what it read stands (and the sessions may already have moved on).
      if (found !== undefined) {
        client?.release(error as Error);
        client = undefined;
        return found;
      }
      this.log.debug({ err: error, database, commits: batch.length }, 'combined catalog read failed; reading the commits one by one');
      return undefined;
    } finally {
      client?.release();
    }
  }

  /** One commit's read (scope undefined: the whole catalog), tried again on a race or a lost connection. */
  private async readAlone(database: string, scope: SnapshotScope | undefined, taken: (() => void) | undefined): Promise<ObservedRead | undefined> {
    const read = await this.readOnce(database, scope, taken);
    if (read !== undefined) this.counted?.('alone', 1);
    return read;
  }

  private async readOnce(database: string, scope: SnapshotScope | undefined, taken: (() => void) | undefined): Promise<ObservedRead | undefined> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let found: ObservedRead | undefined;
      try {
        client = await this.pools.pool(database).connect();
        if (scope === undefined) return { full: await readCatalog(client) };
        const scoped = await readScope(client, scope, (early) => {
          found = { scope, scoped: early };
          taken?.();
        });
        return { scope, scoped };
      } catch (error) {
        // Only the read's COMMIT failed: what it read stands (and the session may already have moved on).
        if (found !== undefined) {
          client?.release(error as Error);
          client = undefined;
          return found;
        }
        if (attempt >= READ_ATTEMPTS) {
          this.log.warn({ err: error, database }, 'could not read the catalog; reconciling');
          return undefined;
        }
        // A lost connection (terminated, server restarting) is read again on a new one, still within the session's hold.
        const why = isConnectionError(error) ? 'catalog read lost its connection' : 'catalog read raced a concurrent change';
        this.log.debug({ err: error, database, attempt }, `${why}; reading again`);
      } finally {
        client?.release();
      }
    }
  }

  /**
   * A commit read while earlier ones were still being written may have
   * widened its scope with an older tree: objects since made to depend on
   * what it dropped or renamed are read again now, by key.
   */
  async complete(database: string, read: ObservedRead, tree: readonly SchemaObject[]): Promise<ObservedRead> {
    if (!('scope' in read)) return read;
    // What the read already found was read while the session's reply was
    // held: reading it again now could see the session's next change.
    const found = new Set(read.scoped.objects.map((object) => object.key));
    const asked = new Set([...(read.scope.keys ?? []), ...read.scoped.keys, ...found]);
    const missing = (expandScope(read.scope, tree).keys ?? []).filter((key) => !asked.has(key));
    if (missing.length === 0) return read;
    const client = await this.pools.pool(database).connect();
    try {
      const extra = await readScope(client, { names: [], keys: missing });
      const objects = [...read.scoped.objects, ...extra.objects.filter((object) => !found.has(object.key))];
      return { scope: read.scope, scoped: { objects, roots: read.scoped.roots, keys: [...read.scoped.keys, ...extra.keys] } };
    } finally {
      client.release();
    }
  }
}

/** What a commit's statements name, widened by what depends on it in the tree; undefined: read the whole catalog. */
export function scopeToRead(changeSet: Pick<ChangeSet, 'statements' | 'mayContainUnseenDdl'>, tree: readonly SchemaObject[]): SnapshotScope | undefined {
  const names = scopeOfChangeSet(changeSet);
  if (names === undefined) return undefined;
  return expandScope({ names, ...(names.some(resolvedThroughPath) ? { searchPath: 'user schemas' as const } : {}) }, tree);
}

/** A scope whose read can be split from others': it names no kind read whole. */
function combinable(scope: SnapshotScope): boolean {
  return !scope.names.some((name) => name.kind === 'other') && !(scope.keys ?? []).some((key) => WHOLE_KINDS.has(parseKey(key).kind));
}
