// Turns committed change sets into commits:
//   1. read: the catalog objects a change touched (or all of it), right
//      away and in parallel (a few connections per database, see
//      CatalogPools); the session holds its ReadyForQuery until then;
//   2. write: one at a time, in the order the transactions committed,
//      retrying while the store is down.
// Reconciliation (reconciliation.ts) runs beside them and hands its
// detected commits to the same write stage.
import type { Logger } from 'pino';
import type { ChangeSet } from '../ddl/index.js';
import type { ProxyMetrics } from '../metrics/index.js';
import { StoreError, type HistoryStore } from '../store/index.js';
import { applyScopedRead, decodeObject, expandScope, readCatalog, readScope, type SchemaObject, type ScopedRead, type SnapshotScope } from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import { scopeOfChangeSet } from './change-scope.js';
import { changedSince, detectedMetadata, keepHead, observedMetadata, treeChanges } from './commit-rows.js';
import { DdlInFlight } from './ddl-in-flight.js';
import { Reconciliation, type FullRead } from './reconciliation.js';
import { resolvedThroughPath, userSchemas } from './search-path.js';
import { SerialQueue } from './serial-queue.js';

export interface RecorderOptions {
  readonly store: HistoryStore;
  readonly pools: CatalogPools;
  readonly logger: Logger;
  readonly metrics?: ProxyMetrics | undefined;
  /** Commits waiting for the store; beyond this the oldest are dropped and reconciliation closes the gap. */
  readonly queueLimit?: number;
  readonly retryMs?: number;
  /** Databases that are not repositories (the store's own). */
  readonly ignoreDatabases?: readonly string[];
  /** How long reconciliation leaves a difference for other proxies' observed commits (default 1.5 s). */
  readonly detectionGraceMs?: number;
}

/**
 * Where a change set is recorded: a branch of a repository, and the physical
 * database that holds it (where the catalog is read). A plain database name
 * means branch main of the repository of that name.
 */
export interface RecordTarget {
  readonly repository: string;
  readonly branch: string;
  readonly database: string;
}

/** What an observed commit's read found. */
type ObservedRead = { readonly full: SchemaObject[] } | { readonly scope: SnapshotScope; readonly scoped: ScopedRead };

type WriteJob =
  | { readonly kind: 'observed'; readonly database: string; readonly changeSet: ChangeSet; readonly read: Promise<ObservedRead | undefined> }
  | { readonly kind: 'detected'; readonly database: string; readonly full: FullRead; readonly done: (clean: boolean) => void };

const MAIN = 'main';
/** A scoped read that races a concurrent DROP ("cache lookup failed", "could not open relation") is tried again. */
const READ_ATTEMPTS = 3;

export class Recorder {
  private readonly log: Logger;
  private readonly writes: SerialQueue<WriteJob>;
  private readonly inFlight = new DdlInFlight();
  private readonly reconciliation: Reconciliation;
  /** Each database's objects as last recorded, for widening scopes (drops cascade). */
  private readonly recorded = new Map<string, SchemaObject[]>();
  private readonly known = new Set<string>();
  /** A database's first full read, while it is still being taken. */
  private readonly firstRead = new Map<string, Promise<void>>();
  /** Physical database -> the branch it holds (absent: main of the repository of that name). */
  private readonly targets = new Map<string, RecordTarget>();
  /** Decoded head objects by database and key, reused while their stored text is unchanged. */
  private readonly decoded = new Map<string, { readonly stored: string; readonly object: SchemaObject }>();
  private storeUp: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RecorderOptions) {
    this.log = options.logger.child({ component: 'recorder' });
    this.writes = new SerialQueue((job) => this.write(job), {
      limit: options.queueLimit ?? 10_000,
      retryMs: options.retryMs ?? 1_000,
      isRetryable: (error) => this.storeDown(error),
      onDrop: (job) => this.dropped(job),
      onError: (error, job) => this.writeFailed(error, job),
    });
    this.reconciliation = new Reconciliation({
      pools: options.pools,
      inFlight: this.inFlight,
      logger: this.log,
      graceMs: options.detectionGraceMs ?? 1_500,
      recordedHead: (database) => {
        const objects = this.recorded.get(database);
        return objects && new Map(objects.map((object) => [object.key, object]));
      },
      write: (full) => new Promise<boolean>((done) => void this.writes.push({ kind: 'detected', database: full.database, full, done })),
      readFailed: (error, database) => this.log.warn({ err: error, database }, 'could not read the catalog'),
    });
    options.metrics?.setQueueDepthSource(() => this.queueDepth);
    options.metrics?.setStoreUpSource(() => this.storeUp);
  }

  get queueDepth(): number {
    return this.writes.length;
  }

  get isStoreUp(): boolean | undefined {
    return this.storeUp;
  }

  /**
   * A session reached this database: the first time, reconcile it (a
   * baseline when new). Resolves once that snapshot is read, so the session
   * can wait for it before running anything (else its first DDL could land
   * in the baseline instead of a commit of its own).
   */
  noteDatabase(target: string | RecordTarget): Promise<void> | undefined {
    const database = this.place(target);
    if (this.options.ignoreDatabases?.includes(database)) return undefined;
    // Known already: sessions still wait while the first read is under way.
    if (this.known.has(database)) return this.firstRead.get(database);
    this.known.add(database);
    const read = this.reconciliation.schedule(database, true);
    this.firstRead.set(database, read);
    void read.then(() => this.firstRead.delete(database));
    return read;
  }

  /**
   * Called by the DDL watcher for every committed change set; never blocks.
   * Resolves once the catalog snapshot is taken (the store write follows).
   */
  submit(target: string | RecordTarget, changeSet: ChangeSet): Promise<void> | undefined {
    const database = this.place(target);
    if (this.options.ignoreDatabases?.includes(database)) return undefined;
    const first = this.noteDatabase(database) ?? Promise.resolve();
    if (changeSet.mayContainUnseenDdl) void this.scheduleReconcile(database);
    if (changeSet.statements.length === 0) return undefined;
    const read = first.then(() => this.readObserved(database, changeSet));
    void this.writes.push({ kind: 'observed', database, changeSet, read });
    return read.then(
      () => undefined,
      () => undefined,
    );
  }

  /** A session sent something that may change the schema of this database; call the result when its transaction ended. */
  ddlStarted(target: string | RecordTarget): () => void {
    return this.inFlight.begin(this.place(target));
  }

  /** Remembers which branch a physical database holds; returns the database. */
  private place(target: string | RecordTarget): string {
    if (typeof target === 'string') return target;
    if (target.branch !== MAIN || target.repository !== target.database) this.targets.set(target.database, target);
    return target.database;
  }

  private targetOf(database: string): RecordTarget {
    return this.targets.get(database) ?? { repository: database, branch: MAIN, database };
  }

  /** The branch in database is gone (deleted): stop reconciling it. */
  private forget(database: string): void {
    this.known.delete(database);
    this.targets.delete(database);
    this.recorded.delete(database);
    this.reconciliation.forget(database);
    void this.options.pools.close(database);
  }

  /** Compares every known database with its head every intervalMs. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      for (const database of this.known) void this.reconciliation.schedule(database);
    }, intervalMs);
    this.timer.unref();
  }

  /** Resolves when nothing is being read, reconciled or written (tests, shutdown). */
  async idle(): Promise<void> {
    do {
      await this.reconciliation.idle();
      await this.writes.idle();
    } while (this.writes.length > 0);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reconciles the database soon; resolves once the full read is taken. */
  scheduleReconcile(database: string): Promise<void> {
    return this.reconciliation.schedule(database);
  }

  private async readObserved(database: string, changeSet: ChangeSet): Promise<ObservedRead | undefined> {
    const names = scopeOfChangeSet(changeSet);
    for (let attempt = 1; ; attempt++) {
      const client = await this.options.pools.pool(database).connect();
      try {
        if (names === undefined) return { full: await readCatalog(client) };
        const searchPath = names.some(resolvedThroughPath) ? await userSchemas(client) : undefined;
        const scope = expandScope({ names, ...(searchPath ? { searchPath } : {}) }, this.recorded.get(database) ?? []);
        return { scope, scoped: await readScope(client, scope) };
      } catch (error) {
        if (attempt >= READ_ATTEMPTS || isConnectionError(error)) {
          this.log.warn({ err: error, database }, 'could not read the catalog; reconciling');
          void this.scheduleReconcile(database);
          return undefined;
        }
        this.log.debug({ err: error, database, attempt }, 'catalog read raced a concurrent change; reading again');
      } finally {
        client.release();
      }
    }
  }

  /**
   * A commit read while earlier ones were still being written may have
   * widened its scope with an older tree: objects since made to depend on
   * what it dropped or renamed are read again now, by key.
   */
  private async completeScope(database: string, read: ObservedRead): Promise<ObservedRead> {
    if (!('scope' in read)) return read;
    const asked = new Set(read.scope.keys ?? []);
    const wider = expandScope(read.scope, this.recorded.get(database) ?? []);
    const missing = (wider.keys ?? []).filter((key) => !asked.has(key));
    if (missing.length === 0) return read;
    const client = await this.options.pools.pool(database).connect();
    try {
      const extra = await readScope(client, { names: [], keys: missing });
      const found = new Set(read.scoped.objects.map((object) => object.key));
      return {
        scope: read.scope,
        scoped: {
          objects: [...read.scoped.objects, ...extra.objects.filter((object) => !found.has(object.key))],
          roots: read.scoped.roots,
          keys: [...read.scoped.keys, ...extra.keys],
        },
      };
    } finally {
      client.release();
    }
  }

  private async write(job: WriteJob): Promise<void> {
    const target = this.targetOf(job.database);
    let observed: ObservedRead | undefined;
    if (job.kind === 'observed') {
      const read = await job.read;
      if (read === undefined) return; // the read failed: reconciliation records the change
      observed = await this.completeScope(job.database, read);
    }
    let next: SchemaObject[] = [];
    let leftOut = 0;
    await this.options.store.ensureReady();
    const commit = await this.options.store.record({
      repository: target.repository,
      branch: target.branch,
      metadata: job.kind === 'observed' ? observedMetadata(job.changeSet) : detectedMetadata(job.database, job.full.readAt),
      skipIfUnchanged: job.kind === 'detected',
      changes: (head) => {
        const previous = [...head].map(([key, stored]) => this.decode(job.database, key, stored));
        if (job.kind === 'detected') {
          const changed = changedSince(job.full.before, previous);
          leftOut = changed.size;
          next = changed.size === 0 ? job.full.objects : keepHead(job.full.objects, previous, changed);
        } else next = 'full' in observed! ? observed.full : applyScopedRead(previous, observed!.scoped);
        return treeChanges(previous, next);
      },
    });
    this.storeUp = true;
    this.recorded.set(job.database, next);
    if (job.kind === 'detected') job.done(leftOut === 0);
    if (!commit) {
      this.log.debug({ database: job.database, leftOut }, 'reconciled: no difference');
      return;
    }
    const kind = commit.kind === 'observed' ? 'observed' : 'detected';
    this.options.metrics?.schemaCommit(target.repository, target.branch, kind, commit.committedAt, commit.id);
    if (job.kind === 'observed') this.options.metrics?.recorderLag((Date.now() - job.changeSet.committedAt.getTime()) / 1000);
    this.log.info({ commit: commit.id.slice(0, 12), database: job.database, branch: target.branch, kind: commit.kind, message: commit.message }, 'recorded');
  }

  private writeFailed(error: unknown, job: WriteJob): void {
    if (job.kind === 'detected') job.done(false);
    if (error instanceof StoreError && error.code === 'UNKNOWN_BRANCH') {
      this.log.info({ database: job.database }, 'branch deleted: no longer recording its database');
      this.forget(job.database);
      return;
    }
    this.log.error({ err: error, database: job.database }, 'could not record a commit; reconciling');
    void this.scheduleReconcile(job.database);
  }

  private decode(database: string, key: string, stored: string): SchemaObject {
    const id = `${database}\0${key}`;
    const cached = this.decoded.get(id);
    if (cached && cached.stored === stored) return cached.object;
    const object = decodeObject(key, stored);
    this.decoded.set(id, { stored, object });
    return object;
  }

  private storeDown(error: unknown): boolean {
    const retryable = isConnectionError(error);
    if (retryable && this.storeUp !== false) this.log.warn({ err: error }, 'metadata store unreachable; queueing schema changes');
    if (retryable) this.storeUp = false;
    return retryable;
  }

  private dropped(job: WriteJob): void {
    if (job.kind === 'detected') job.done(false);
    this.log.warn({ database: job.database }, 'recorder queue full: dropped the oldest commit; reconciliation will record the difference');
    void this.scheduleReconcile(job.database);
  }
}

/** Errors that mean "the store is not there right now", as opposed to a bug. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  // The store database is missing and we may not create it: wait for someone to.
  if (error instanceof StoreError) return code === 'STORE_DATABASE_MISSING';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P03' ||
    /Connection terminated|connection timeout/i.test((error as Error)?.message ?? '')
  );
}
