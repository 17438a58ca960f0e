// Turns committed change sets into commits. Two stages, each serial so
// commits keep the order in which their transactions committed:
//   1. snapshot: read the catalog objects the change touched (or all of it)
//      on the proxy's own connection, right away;
//   2. write: record the commit in the store, retrying while it is down.
// Reconciliation (at start, on a timer, after DO/CALL) is a full read whose
// differences from the head become a commit marked "detected".
import type pg from 'pg';
import type { Logger } from 'pino';
import type { ChangeSet } from '../ddl/index.js';
import type { ProxyMetrics } from '../metrics/index.js';
import { StoreError, type CommitKind, type CommitMetadata, type HistoryStore, type TreeChanges } from '../store/index.js';
import {
  applyScopedRead,
  decodeObject,
  diffObjects,
  encodeObject,
  expandScope,
  readCatalog,
  readScope,
  type SchemaObject,
  type ScopedRead,
  type ScopeName,
} from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import { scopeOfChangeSet } from './change-scope.js';
import { summarise } from './commit-message.js';
import { SerialQueue } from './serial-queue.js';

export interface RecorderOptions {
  readonly store: HistoryStore;
  readonly pools: CatalogPools;
  readonly logger: Logger;
  readonly metrics?: ProxyMetrics | undefined;
  /** Snapshots waiting for the store; beyond this the oldest are dropped and reconciliation closes the gap. */
  readonly queueLimit?: number;
  readonly retryMs?: number;
  /** Databases that are not repositories (the store's own). */
  readonly ignoreDatabases?: readonly string[];
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

/** What stage 1 hands to stage 2. */
interface Snapshot {
  readonly database: string;
  readonly changeSet: ChangeSet | undefined; // undefined: reconciliation
  /** When the catalog was read: a detected commit's time. */
  readonly readAt: Date;
  readonly full: SchemaObject[] | undefined;
  readonly scoped: ScopedRead | undefined;
}

const MAIN = 'main';

export class Recorder {
  private readonly log: Logger;
  private readonly snapshots: SerialQueue<{ database: string; changeSet: ChangeSet | undefined }>;
  private readonly writes: SerialQueue<Snapshot>;
  /** Each database's objects as last recorded, for widening scopes (drops cascade). */
  private readonly recorded = new Map<string, SchemaObject[]>();
  private readonly known = new Set<string>();
  private readonly pendingReconcile = new Set<string>();
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
    this.snapshots = new SerialQueue((job) => this.snapshot(job.database, job.changeSet), {
      onError: (error, job) => this.snapshotFailed(error, job.database),
    });
    this.writes = new SerialQueue((job) => this.write(job), {
      limit: options.queueLimit ?? 10_000,
      retryMs: options.retryMs ?? 1_000,
      isRetryable: (error) => this.storeDown(error),
      onDrop: (job) => this.gapIn(job.database),
      onError: (error, job) => {
        if (error instanceof StoreError && error.code === 'UNKNOWN_BRANCH') {
          this.log.info({ database: job.database }, 'branch deleted: no longer recording its database');
          this.forget(job.database);
          return;
        }
        this.log.error({ err: error, database: job.database }, 'could not record a commit; reconciling');
        this.scheduleReconcile(job.database);
      },
    });
    options.metrics?.setQueueDepthSource(() => this.queueDepth);
    options.metrics?.setStoreUpSource(() => this.storeUp);
  }

  get queueDepth(): number {
    return this.snapshots.length + this.writes.length;
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
    const read = this.scheduleReconcile(database);
    if (read) {
      this.firstRead.set(database, read);
      void read.then(() => this.firstRead.delete(database));
    }
    return read;
  }

  /**
   * Called by the DDL watcher for every committed change set; never blocks.
   * Resolves once the catalog snapshot is taken (the store write follows).
   */
  submit(target: string | RecordTarget, changeSet: ChangeSet): Promise<void> | undefined {
    const database = this.place(target);
    if (this.options.ignoreDatabases?.includes(database)) return undefined;
    this.noteDatabase(database);
    const taken = changeSet.statements.length > 0 ? this.snapshots.push({ database, changeSet }) : undefined;
    if (changeSet.mayContainUnseenDdl) this.scheduleReconcile(database);
    return taken;
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
    void this.options.pools.close(database);
  }

  /** Compares every known database with its head, now and then every intervalMs. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      for (const database of this.known) this.scheduleReconcile(database);
    }, intervalMs);
    this.timer.unref();
  }

  /** Resolves when both stages are empty (tests, shutdown). */
  async idle(): Promise<void> {
    await this.snapshots.idle();
    await this.writes.idle();
    if (this.snapshots.length > 0) await this.idle();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Resolves once the full read is taken (undefined when one is already queued). */
  scheduleReconcile(database: string): Promise<void> | undefined {
    if (this.pendingReconcile.has(database)) return undefined;
    this.pendingReconcile.add(database);
    return this.snapshots.push({ database, changeSet: undefined });
  }

  private async snapshot(database: string, changeSet: ChangeSet | undefined): Promise<void> {
    if (!changeSet) this.pendingReconcile.delete(database);
    const client = await this.options.pools.pool(database).connect();
    try {
      const names = changeSet ? scopeOfChangeSet(changeSet) : undefined;
      if (names === undefined) {
        const readAt = new Date();
        void this.writes.push({ database, changeSet, readAt, full: await readCatalog(client), scoped: undefined });
      } else {
        const searchPath = names.some(resolvedThroughPath) ? await userSchemas(client) : undefined;
        const scope = expandScope({ names, ...(searchPath ? { searchPath } : {}) }, this.recorded.get(database) ?? []);
        void this.writes.push({ database, changeSet, readAt: new Date(), full: undefined, scoped: await readScope(client, scope) });
      }
    } finally {
      client.release();
    }
  }

  private snapshotFailed(error: unknown, database: string): void {
    // The database may be gone or unreachable: the next reconciliation tells.
    this.log.warn({ err: error, database }, 'could not read the catalog');
  }

  private async write(job: Snapshot): Promise<void> {
    const changeSet = job.changeSet;
    const target = this.targetOf(job.database);
    let next: SchemaObject[] = [];
    await this.options.store.ensureReady();
    const commit = await this.options.store.record({
      repository: target.repository,
      branch: target.branch,
      metadata: changeSet ? observedMetadata(changeSet) : detectedMetadata(job.database, job.readAt),
      skipIfUnchanged: changeSet === undefined,
      changes: (head) => {
        const previous = [...head].map(([key, stored]) => this.decode(job.database, key, stored));
        next = job.full ?? applyScopedRead(previous, job.scoped!);
        return treeChanges(previous, next);
      },
    });
    this.storeUp = true;
    this.recorded.set(job.database, next);
    if (!commit) {
      this.log.debug({ database: job.database }, 'reconciled: no difference');
      return;
    }
    const kind = commit.kind === 'observed' ? 'observed' : 'detected';
    this.options.metrics?.schemaCommit(target.repository, target.branch, kind, commit.committedAt);
    if (changeSet) this.options.metrics?.recorderLag((Date.now() - changeSet.committedAt.getTime()) / 1000);
    this.log.info({ commit: commit.id.slice(0, 12), database: job.database, branch: target.branch, kind: commit.kind, message: commit.message }, 'recorded');
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

  private gapIn(database: string): void {
    this.log.warn({ database }, 'recorder queue full: dropped the oldest snapshot; reconciliation will record the difference');
    this.scheduleReconcile(database);
  }
}

/** An unqualified name that the session's search_path resolved (to a schema the proxy cannot know). */
function resolvedThroughPath(name: ScopeName): boolean {
  return name.schema === undefined && (name.kind === undefined || name.kind === 'relation' || name.kind === 'type' || name.kind === 'function');
}

/**
 * Every user schema: where an unqualified name of a change set is looked up.
 * The session's search_path (SET, SET LOCAL, startup options, role and
 * database defaults, set_config, a function's SET clause) is not visible
 * here; looking in every schema finds the object wherever it went, and the
 * same name in other schemas reads back unchanged.
 */
async function userSchemas(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ names: string[] }>(
    `SELECT coalesce(array_agg(nspname::text ORDER BY nspname), '{}') AS names FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)'`,
  );
  return rows[0]?.names ?? [];
}

function treeChanges(previous: readonly SchemaObject[], next: readonly SchemaObject[]): TreeChanges {
  const diff = diffObjects(previous, next);
  const changes = new Map<string, string | null>();
  for (const object of diff.added) changes.set(object.key, encodeObject(object));
  for (const { after } of diff.changed) changes.set(after.key, encodeObject(after));
  for (const object of diff.removed) changes.set(object.key, null);
  return changes;
}

function observedMetadata(changeSet: ChangeSet): CommitMetadata {
  const session = changeSet.session;
  return {
    kind: 'observed',
    author: session.user,
    database: session.database,
    applicationName: session.applicationName,
    clientAddress: session.clientAddress,
    backendPid: session.backendPid ?? null,
    message: changeSet.message ?? summarise(changeSet.statements),
    statements: changeSet.statements.map((statement) => statement.text),
    committedAt: changeSet.committedAt,
  };
}

function detectedMetadata(database: string, readAt: Date): CommitMetadata {
  const kind: CommitKind = 'detected';
  return {
    kind,
    author: null,
    database,
    applicationName: null,
    clientAddress: null,
    backendPid: null,
    message: 'changes found in the catalog that the proxy did not see',
    statements: [],
    committedAt: readAt,
  };
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
