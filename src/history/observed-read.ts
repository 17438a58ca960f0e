// The catalog read of an observed commit: the objects its statements name
// (unqualified names looked up in every user schema, see search-path.ts)
// plus what depends on them in the tree recorded so far; or the whole
// catalog when the statements cannot be scoped. A read that races a
// concurrent DROP ("cache lookup failed", "could not open relation") is
// tried again.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { ChangeSet } from '../ddl/index.js';
import { expandScope, readCatalog, readScope, type SchemaObject, type ScopedRead, type SnapshotScope } from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import { scopeOfChangeSet } from './change-scope.js';
import { isConnectionError } from './connection-errors.js';
import { resolvedThroughPath } from './search-path.js';

/** What an observed commit's read found. */
export type ObservedRead = { readonly full: SchemaObject[] } | { readonly scope: SnapshotScope; readonly scoped: ScopedRead };

const READ_ATTEMPTS = 3;

export class ObservedReader {
  constructor(
    private readonly pools: CatalogPools,
    private readonly log: Logger,
  ) {}

  /**
   * Undefined when the catalog could not be read (the caller reconciles).
   * `taken` hears of a scoped read as soon as it is in, one round trip
   * before the read's transaction has ended.
   */
  async read(database: string, changeSet: ChangeSet, tree: readonly SchemaObject[], taken?: () => void): Promise<ObservedRead | undefined> {
    const names = scopeOfChangeSet(changeSet);
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let found: ObservedRead | undefined;
      try {
        client = await this.pools.pool(database).connect();
        if (names === undefined) return { full: await readCatalog(client) };
        const scope = expandScope({ names, ...(names.some(resolvedThroughPath) ? { searchPath: 'user schemas' as const } : {}) }, tree);
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
