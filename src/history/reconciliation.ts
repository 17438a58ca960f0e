// Reconciliation, off the commit path: compares a database's whole live
// catalog with its recorded head and hands the difference to the recorder's
// write stage as a `detected` commit. It never runs in front of a waiting
// session (its own connection, its own schedule) and costs one fingerprint
// query when nothing changed since the last time the head matched.
//
// Attribution: a change that an observed commit of any proxy is about to
// record must not be claimed. The read is made under the schema-change lock
// taken exclusively (schema-change-lock.ts says why that is enough), and
// the round is skipped while any proxy holds it shared; the recorder then
// leaves out every object whose head changed since the read began
// (recorder.ts, keepHead).
import type pg from 'pg';
import type { Logger } from 'pino';
import { readCatalog, type SchemaObject } from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import { CatalogFingerprint } from './fingerprint.js';
import { readIdentities } from './identities.js';
import type { StoredIdentity } from '../store/index.js';
import { boundRelationLockWaits, releaseReconcileLock, tryReconcileLock } from './schema-change-lock.js';

/** A full read, ready to be written as a detected commit. */
export interface FullRead {
  readonly database: string;
  readonly readAt: Date;
  readonly objects: SchemaObject[];
  /** The recorded head when the read began (undefined: never recorded by this process). */
  readonly before: ReadonlyMap<string, SchemaObject> | undefined;
  /** Who the objects are (oid, attnums), read right after them on the same connection; undefined when that read failed. */
  readonly identities: ReadonlyMap<string, StoredIdentity> | undefined;
}

/** SQLSTATE 55P03: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

export interface ReconciliationHost {
  readonly pools: CatalogPools;
  readonly logger: Logger;
  recordedHead(database: string): ReadonlyMap<string, SchemaObject> | undefined;
  /** Queues the detected commit; resolves true when the head now equals the read (nothing left out). */
  write(read: FullRead): Promise<boolean>;
  /** A first look made while schema changes were in flight: a tree to work with, not to be written. */
  adopt(read: FullRead): void;
  /** A round skipped: some proxy has schema changes in flight. */
  skipped(database: string): void;
  readFailed(error: unknown, database: string): void;
}

export class Reconciliation {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Fingerprint of each database when its head last matched the catalog. */
  private readonly clean = new Map<string, string>();
  private readonly fingerprint = new CatalogFingerprint();

  constructor(private readonly host: ReconciliationHost) {}

  /**
   * Reconciles the database soon; resolves once its catalog is read (at
   * once when a run is under way: one more follows it). `first`: the
   * database's first look, a baseline when new, written before anything a
   * session does next.
   */
  schedule(database: string, first = false): Promise<void> {
    if (this.running.has(database)) {
      this.again.add(database);
      return Promise.resolve();
    }
    let readTaken!: () => void;
    const taken = new Promise<void>((resolve) => (readTaken = resolve));
    const run = this.run(database, first, readTaken)
      .catch((error: unknown) => this.host.readFailed(error, database))
      .finally(() => {
        readTaken();
        this.running.delete(database);
        if (this.again.delete(database)) void this.schedule(database);
      });
    this.running.set(database, run);
    return taken;
  }

  /** Stops remembering a database (its branch was deleted). */
  forget(database: string): void {
    this.clean.delete(database);
    this.again.delete(database);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async run(database: string, first: boolean, readTaken: () => void): Promise<void> {
    const { pools } = this.host;
    const client = await pools.pool(database).connect();
    let lockClient: pg.PoolClient | undefined;
    let broken: Error | undefined;
    let read: FullRead;
    let fingerprint: string;
    let key: string | undefined;
    try {
      fingerprint = await this.fingerprint.read(client);
      if (!first && this.clean.get(database) === fingerprint) {
        this.host.logger.debug({ database }, 'reconciled: catalog unchanged');
        return;
      }
      lockClient = await pools.pool(pools.lockDatabase).connect();
      key = await tryReconcileLock(lockClient, database);
      if (key === undefined && !first) {
        this.host.logger.debug({ database }, 'reconciliation skipped: schema changes in flight');
        this.host.skipped(database);
        return;
      }
      try {
        if (key !== undefined) await boundRelationLockWaits(client, true);
        const before = this.host.recordedHead(database);
        const readAt = new Date();
        const objects = await readCatalog(client);
        read = { database, readAt, objects, before, identities: await readIdentities(client, objects.map((object) => object.key)).catch(() => undefined) };
      } finally {
        if (key !== undefined) {
          await releaseReconcileLock(lockClient, key);
          await boundRelationLockWaits(client, false);
        }
      }
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) {
        // A transaction that did not come through a proxy holds a lock on what the read needs: next round.
        this.host.logger.debug({ database }, 'reconciliation skipped: a relation it reads is locked');
        this.host.skipped(database);
        return;
      }
      broken = error as Error;
      throw error;
    } finally {
      // A connection that failed while it may hold the lock (or lock_timeout) is closed, which releases it.
      client.release(broken);
      lockClient?.release(broken);
    }
    readTaken();
    if (key === undefined) {
      // A database's first look must not wait for a quiet moment: sessions wait for it.
      this.host.adopt(read);
      return;
    }
    if (await this.host.write(read)) this.clean.set(database, fingerprint);
    else this.clean.delete(database);
  }
}
