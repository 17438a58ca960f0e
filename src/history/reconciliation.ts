// Reconciliation, off the commit path: compares a database's whole live
// catalog with its recorded head and hands the difference to the recorder's
// write stage as a `detected` commit. It never runs in front of a waiting
// session (its own connection, its own schedule) and costs one fingerprint
// query when nothing changed since the last time the head matched.
//
// Attribution: a change that an observed commit is about to record must not
// be claimed. So, after the read, it waits for every transaction of this
// proxy that may have been committing schema changes meanwhile (their change
// sets are then queued ahead of it), then a grace period for other proxies
// sharing the store; and the recorder leaves out every object whose head
// changed since the read began (recorder.ts, keepHead).
import type { Logger } from 'pino';
import { readCatalog, type SchemaObject } from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import type { DdlInFlight } from './ddl-in-flight.js';
import { CatalogFingerprint } from './fingerprint.js';
import { readIdentities } from './identities.js';
import type { StoredIdentity } from '../store/index.js';

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

export interface ReconciliationHost {
  readonly pools: CatalogPools;
  readonly inFlight: DdlInFlight;
  readonly logger: Logger;
  /** How long a difference waits for other proxies' observed commits. */
  readonly graceMs: number;
  recordedHead(database: string): ReadonlyMap<string, SchemaObject> | undefined;
  /** Queues the detected commit; resolves true when the head now equals the read (nothing left out). */
  write(read: FullRead): Promise<boolean>;
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
    const client = await this.host.pools.pool(database).connect();
    let read: FullRead;
    let fingerprint: string;
    let mark: number;
    try {
      fingerprint = await this.fingerprint.read(client);
      if (!first && this.clean.get(database) === fingerprint) {
        this.host.logger.debug({ database }, 'reconciled: catalog unchanged');
        return;
      }
      const before = this.host.recordedHead(database);
      const readAt = new Date();
      const objects = await readCatalog(client);
      read = { database, readAt, objects, before, identities: await readIdentities(client, objects.map((object) => object.key)).catch(() => undefined) };
      // Every transaction that can have committed while the catalog was read has begun by now.
      mark = this.host.inFlight.mark;
    } finally {
      client.release();
    }
    readTaken();
    if (!first) {
      await this.host.inFlight.settled(database, mark);
      await new Promise((resolve) => setTimeout(resolve, this.host.graceMs));
    }
    if (await this.host.write(read)) this.clean.set(database, fingerprint);
    else this.clean.delete(database);
  }
}
