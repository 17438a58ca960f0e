// Turns committed change sets into commits:
//   1. read: the catalog objects a change touched (or all of it), right
//      away and in parallel (a few connections per database, see
//      CatalogPools); the session holds its ReadyForQuery until then;
//   2. write: per database one at a time, in the order the transactions
//      committed (databases side by side), retrying while the store is down.
// Reconciliation (reconciliation.ts) runs beside them and hands its
// detected commits to the same write stage.
import type { Logger } from 'pino';
import type { ChangeSet, TakenContent } from '../ddl/index.js';
import type { ProxyMetrics } from '../metrics/index.js';
import { StoreError, type CommitIdentities, type CommitRow, type HistoryStore, type StoredIdentity, type TreeChanges } from '../store/index.js';
import { applyRead, applyScopedRead, type SchemaObject } from './catalog/index.js';
import type { CatalogPools } from './catalog-pools.js';
import { changedSince, detectedMetadata, encodedChanges, keepHead, observedMetadata, treeChanges } from './commit-rows.js';
import { readIdentities } from './identities.js';
import { Reconciliation, type FullRead } from './reconciliation.js';
import { isConnectionError } from './connection-errors.js';
import { ObservedReader, scopeToRead, type ObservedRead } from './observed-read.js';
import { SchemaChangeLocks, type SchemaChangeHold } from './schema-change-lock.js';
import { DatabaseQueues } from './database-queues.js';
import { ReadAhead, type ReservedCommit } from './read-ahead.js';
import { HeadDecoder } from './head-decoder.js';

export interface RecorderOptions {
  readonly store: HistoryStore;
  readonly pools: CatalogPools;
  readonly logger: Logger;
  readonly metrics?: ProxyMetrics | undefined;
  /** Commits of one database waiting for the store; beyond this the oldest are dropped and reconciliation closes the gap. */
  readonly queueLimit?: number;
  readonly retryMs?: number;
  /** Databases that are not repositories (the store's own). */
  readonly ignoreDatabases?: readonly string[];
  /** How long new DDL waits at most for a whole-catalog read of its database (default WHOLE_READ_WAIT_MS). */
  readonly wholeReadWaitMs?: number;
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


interface ObservedJob {
  readonly kind: 'observed';
  readonly database: string;
  /** Undefined while a read-ahead commit waits for its COMMIT's answer (see readBeforeCommit). */
  changeSet: ChangeSet | undefined;
  readonly read: Promise<ObservedRead | undefined>;
  /** Keeps reconciliation off the database until the commit is written (or given up). */
  readonly hold: SchemaChangeHold;
  /** Set once the read settled (null: it failed, or the read-ahead COMMIT did not commit). */
  result?: ObservedRead | null;
  /** Written along with an earlier job of the queue. */
  written?: boolean;
}

type WriteJob = ObservedJob | { readonly kind: 'detected'; readonly database: string; readonly full: FullRead; readonly done: (clean: boolean) => void };

/** Commits written in one store transaction when they queued up. */
const MAX_BATCH = 64;

const MAIN = 'main';

/**
 * The bound on new DDL's wait for a whole-catalog read: the read may itself
 * wait for a relation lock of a session whose next statement waits here
 * (PostgreSQL cannot see that cycle), so like deadlock_timeout it ends.
 */
const WHOLE_READ_WAIT_MS = 1_000;

export class Recorder {
  private readonly log: Logger;
  private readonly writes: DatabaseQueues<WriteJob>;
  private readonly locks: SchemaChangeLocks;
  private readonly reader: ObservedReader;
  private readonly reconciliation: Reconciliation;
  /** Each database's objects as last recorded, for widening scopes (drops cascade). */
  private readonly recorded = new Map<string, SchemaObject[]>();
  /**
   * The tree the newest commit being written leaves (ahead of `recorded`
   * while its store write is under way). A scope to read is first expanded
   * against it: that is only a first guess, which the write completes
   * against the tree it goes on (observed-read.ts), and this tree holds the
   * index the last commit built (coverage.ts: applyRead).
   */
  private readonly latest = new Map<string, readonly SchemaObject[]>();
  private readonly known = new Set<string>();
  /** A database's first full read, while it is still being taken. */
  private readonly firstRead = new Map<string, Promise<void>>();
  /** Physical database -> the branch it holds (absent: main of the repository of that name). */
  private readonly targets = new Map<string, RecordTarget>();
  /** Decoded head objects, reused while their stored text is unchanged. */
  private readonly heads = new HeadDecoder();
  private storeUp: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RecorderOptions) {
    this.log = options.logger.child({ component: 'recorder' });
    this.reader = new ObservedReader(options.pools, this.log, (read, commits) => options.metrics?.snapshotsRead(read, commits));
    this.locks = new SchemaChangeLocks((database) => options.pools.client(database, 'pggit recorder', options.pools.lockDatabase), this.log);
    this.writes = new DatabaseQueues((job) => this.write(job), {
      limit: options.queueLimit ?? 10_000,
      retryMs: options.retryMs ?? 1_000,
      isRetryable: (error) => this.storeDown(error),
      onDrop: (job) => this.dropped(job),
      onError: (error, job) => this.writeFailed(error, job),
    });
    this.reconciliation = new Reconciliation({
      pools: options.pools,
      logger: this.log,
      recordedHead: (database) => {
        const objects = this.recorded.get(database);
        return objects && new Map(objects.map((object) => [object.key, object]));
      },
      write: (full) => new Promise<boolean>((done) => void this.writes.push(full.database, { kind: 'detected', database: full.database, full, done })),
      adopt: (full) => {
        if (!this.recorded.has(full.database)) this.setRecorded(full.database, full.objects);
      },
      skipped: () => options.metrics?.reconciliationSkipped(),
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
   * A transaction that changed the schema is about to commit: its schema can
   * be read inside it, on the client's own connection, just before its
   * COMMIT goes (DESIGN.md, Exactness). The transaction still holds the
   * locks on what it changed and nothing of the session runs in between, so
   * the read is exactly the commit's result, and its ReadyForQuery need not
   * be held after the commit. The attribution lock is held from now on.
   * Undefined when the statements cannot be scoped (a whole read would hold
   * the transaction's locks too long) or the database's first read is still
   * under way: it is read after the commit.
   */
  planReadAhead(target: string | RecordTarget, content: TakenContent): ReadAhead | undefined {
    const database = this.place(target);
    if (this.options.ignoreDatabases?.includes(database) || !this.known.has(database) || this.firstRead.has(database)) return undefined;
    const scope = scopeToRead(content, this.newestTree(database));
    if (scope === undefined) return undefined;
    // The session's own hold may end before the COMMIT (an autocommit statement's, at its ReadyForQuery).
    return new ReadAhead(
      {
        read: (client, afterEnd) => this.reader.readWithin(client, database, scope, afterEnd),
        reserve: (hold) => this.reserve(database, hold),
        reconcile: () => void this.scheduleReconcile(database),
      },
      this.locks.hold(database),
    );
  }

  /**
   * Queues a read-ahead commit before its COMMIT goes: a session whose DDL
   * waited for the block's locks commits after it, and may reach its own
   * commit's answer first (two sockets): queued later, it is written after.
   */
  private reserve(database: string, hold: SchemaChangeHold): ReservedCommit {
    let settle!: (read: ObservedRead | undefined) => void;
    const read = new Promise<ObservedRead | undefined>((resolve) => (settle = resolve));
    const job: ObservedJob = { kind: 'observed', database, changeSet: undefined, read, hold };
    void read.then((result) => (job.result = result ?? null));
    void this.writes.push(database, job);
    return (committed) => {
      job.changeSet = committed?.changeSet;
      settle(committed?.found);
    };
  }

  /**
   * Called by the DDL watcher for every committed change set; never blocks.
   * Resolves once the catalog snapshot is read (its read-only transaction
   * may still be ending; the store write follows); undefined when there is
   * nothing to wait for (`ahead` read it before the COMMIT).
   */
  submit(target: string | RecordTarget, changeSet: ChangeSet, ahead?: ReadAhead): Promise<void> | undefined {
    const database = this.place(target);
    if (this.options.ignoreDatabases?.includes(database)) return undefined;
    const first = this.noteDatabase(database) ?? Promise.resolve();
    if (changeSet.mayContainUnseenDdl) void this.scheduleReconcile(database);
    if (changeSet.statements.length === 0) {
      ahead?.unused();
      return undefined;
    }
    if (ahead?.committed(changeSet) === true) return undefined;
    let taken!: () => void;
    const snapshotTaken = new Promise<void>((resolve) => (taken = resolve));
    const read = first.then(async () => {
      const found = await this.reader.read(database, changeSet, this.newestTree(database), taken);
      if (found === undefined) void this.scheduleReconcile(database);
      return found;
    });
    // Taken while the session still holds the lock: the count never drops to zero in between.
    const job: ObservedJob = { kind: 'observed', database, changeSet, read, hold: this.locks.hold(database) };
    // A read ahead that failed: its hold goes now that this job holds the lock.
    ahead?.unused();
    void read.then((result) => (job.result = result ?? null));
    // Queued behind the database's first read (a session whose hold ran out
    // may commit before it is taken): the baseline is always written first.
    void first.then(() => this.writes.push(database, job));
    // Whichever comes first: the read is in (its transaction still ending), or it settled.
    void read.then(taken, taken);
    return snapshotTaken;
  }

  /**
   * A session is about to send something that may commit schema changes in
   * this database: forward it once `ready` settles (the attribution lock is
   * held, and no whole-catalog read of the database is under way, or
   * wholeReadWaitMs passed), release when its transaction ended (its change
   * set, if any, was submitted).
   */
  ddlStarted(target: string | RecordTarget): SchemaChangeHold | undefined {
    const database = this.place(target);
    if (this.options.ignoreDatabases?.includes(database)) return undefined;
    const hold = this.locks.hold(database);
    const wholeRead = this.reader.wholeReadsUnderWay(database);
    if (wholeRead === undefined) return hold;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.wholeReadWaitMs ?? WHOLE_READ_WAIT_MS)));
    const waited = Promise.race([wholeRead, bound]).finally(() => clearTimeout(timer));
    return { ready: Promise.all([hold.ready, waited]).then(() => undefined), release: () => hold.release() };
  }

  /** Remembers which branch a physical database holds; returns the database. */
  private place(target: string | RecordTarget): string {
    if (typeof target === 'string') return target;
    if (target.branch !== MAIN || target.repository !== target.database) this.targets.set(target.database, target);
    return target.database;
  }

  private setRecorded(database: string, objects: SchemaObject[]): void {
    this.recorded.set(database, objects);
    this.latest.set(database, objects);
  }

  private newestTree(database: string): readonly SchemaObject[] {
    return this.latest.get(database) ?? [];
  }

  private targetOf(database: string): RecordTarget {
    return this.targets.get(database) ?? { repository: database, branch: MAIN, database };
  }

  /** The branch in database is gone (deleted): stop reconciling it. */
  private forget(database: string): void {
    this.known.delete(database);
    this.targets.delete(database);
    this.recorded.delete(database);
    this.latest.delete(database);
    this.heads.forget(database);
    this.reconciliation.forget(database);
    void this.locks.close(database).then(() => this.options.pools.close(database));
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
      await this.locks.settled();
    } while (this.writes.length > 0);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reconciles the database soon; resolves once the full read is taken. */
  scheduleReconcile(database: string): Promise<void> {
    return this.reconciliation.schedule(database);
  }

  private async write(job: WriteJob): Promise<void> {
    if (job.kind === 'detected') return this.writeDetected(job.database, job.full, job.done);
    if (job.written) return;
    const first = await job.read;
    if (first === undefined) {
      job.hold.release(); // the read failed: reconciliation records the change
      return;
    }
    const batch = [job, ...this.readyFollowers(job)];
    // Each commit's scope is completed against the tree its predecessors in the batch leave.
    let tree: readonly SchemaObject[] = this.recorded.get(job.database) ?? [];
    const reads: ObservedRead[] = [];
    for (const member of batch) {
      const read = await this.reader.complete(job.database, member.result ?? first, tree);
      reads.push(read);
      if (batch.length > 1) tree = 'full' in read ? read.full : applyScopedRead(tree, read.scoped);
    }
    const target = this.targetOf(job.database);
    let next: SchemaObject[] = [];
    const written: string[][] = [];
    await this.options.store.ensureReady();
    const commits = await this.options.store.recordMany(
      batch.map((member, index) => ({
        repository: target.repository,
        branch: target.branch,
        // Set by now: a read-ahead commit's read settles only once its change set came.
        metadata: observedMetadata(member.changeSet!),
        changes: (head: ReadonlyMap<string, string>) => {
          const previous = this.heads.decode(job.database, head);
          const read = reads[index]!;
          let changes: TreeChanges;
          if ('full' in read) {
            next = read.full;
            changes = treeChanges(previous, next);
          } else {
            // From the read alone, on the tree the last commit left (its index is built already).
            const applied = applyRead(previous, read.scoped);
            next = applied.next;
            changes = encodedChanges(applied.changed);
            this.heads.advance(job.database, next, changes, applied.changed);
            this.latest.set(job.database, next);
          }
          written[index] = [...changes].filter(([, definition]) => definition !== null).map(([key]) => key);
          return changes;
        },
      })),
      (built) => this.readCommitIdentities(job.database, built.flatMap((commit, index) => (commit ? [{ commitId: commit.id, keys: written[index] ?? [] }] : []))),
    );
    this.storeUp = true;
    this.setRecorded(job.database, next);
    batch.forEach((member, index) => {
      member.written = true;
      member.hold.release();
      const commit = commits[index];
      if (commit) this.recordedCommit(job.database, commit, member.changeSet);
    });
  }

  /** Observed commits of the same database queued right behind `job` whose reads are done. */
  private readyFollowers(job: ObservedJob): ObservedJob[] {
    const followers: ObservedJob[] = [];
    for (const next of this.writes.waiting(job.database)) {
      if (followers.length + 1 >= MAX_BATCH || next.kind !== 'observed') break;
      if (next.result === undefined || next.result === null || next.written) break;
      followers.push(next);
    }
    return followers;
  }

  /**
   * Who the objects the commits added or changed are (oid, column attnums),
   * so a rename stays a rename in diff and revert: read once the commits are
   * built, all at once, and written with them. A failure only costs that:
   * those objects diff as drop and add.
   */
  private async readCommitIdentities(database: string, commits: ReadonlyArray<{ readonly commitId: string; readonly keys: readonly string[] }>): Promise<CommitIdentities[]> {
    const keys = [...new Set(commits.flatMap((commit) => commit.keys))];
    if (keys.length === 0) return [];
    try {
      const client = await this.options.pools.pool(database).connect();
      try {
        return identitiesOfKeys(commits, await readIdentities(client, keys));
      } finally {
        client.release();
      }
    } catch (error) {
      const ids = commits.map((commit) => commit.commitId.slice(0, 12));
      this.log.warn({ err: error, database, commits: ids }, 'could not read object identities: renames in these commits will diff as drop and add');
      return [];
    }
  }

  private async writeDetected(database: string, full: FullRead, done: (clean: boolean) => void): Promise<void> {
    const target = this.targetOf(database);
    let next: SchemaObject[] = [];
    let leftOut = 0;
    let written: string[] = [];
    await this.options.store.ensureReady();
    const commit = await this.options.store.record({
      repository: target.repository,
      branch: target.branch,
      metadata: detectedMetadata(database, full.readAt),
      skipIfUnchanged: true,
      changes: (head) => {
        const previous = this.heads.decode(database, head);
        const changed = changedSince(full.before, previous);
        leftOut = changed.size;
        next = changed.size === 0 ? full.objects : keepHead(full.objects, previous, changed);
        const changes = treeChanges(previous, next);
        written = [...changes].filter(([, definition]) => definition !== null).map(([key]) => key);
        return changes;
      },
    }, async ([built]) => {
      if (built === undefined) return [];
      const commits = [{ commitId: built.id, keys: written }];
      // As read with its catalog, else read now (as for observed commits).
      return full.identities === undefined ? this.readCommitIdentities(database, commits) : identitiesOfKeys(commits, full.identities);
    });
    this.storeUp = true;
    this.setRecorded(database, next);
    done(leftOut === 0);
    if (commit) this.recordedCommit(database, commit, undefined);
    else this.log.debug({ database, leftOut }, 'reconciled: no difference');
  }

  private recordedCommit(database: string, commit: CommitRow, changeSet: ChangeSet | undefined): void {
    const target = this.targetOf(database);
    const kind = commit.kind === 'observed' ? 'observed' : 'detected';
    this.options.metrics?.schemaCommit(target.repository, target.branch, kind, commit.committedAt, commit.id);
    if (changeSet) this.options.metrics?.recorderLag((Date.now() - changeSet.committedAt.getTime()) / 1000);
    this.log.info({ commit: commit.id.slice(0, 12), database, branch: target.branch, kind: commit.kind, message: commit.message }, 'recorded');
  }

  private writeFailed(error: unknown, job: WriteJob): void {
    if (job.kind === 'detected') job.done(false);
    else job.hold.release();
    if (error instanceof StoreError && error.code === 'UNKNOWN_BRANCH') {
      this.log.info({ database: job.database }, 'branch deleted: no longer recording its database');
      this.forget(job.database);
      return;
    }
    this.log.error({ err: error, database: job.database }, 'could not record a commit; reconciling');
    void this.scheduleReconcile(job.database);
  }

  private storeDown(error: unknown): boolean {
    const retryable = isConnectionError(error);
    if (retryable && this.storeUp !== false) this.log.warn({ err: error }, 'metadata store unreachable; queueing schema changes');
    if (retryable) this.storeUp = false;
    return retryable;
  }

  private dropped(job: WriteJob): void {
    if (job.kind === 'detected') job.done(false);
    else job.hold.release();
    this.log.warn({ database: job.database }, 'recorder queue full: dropped the oldest commit; reconciliation will record the difference');
    void this.scheduleReconcile(job.database);
  }
}

/** Each commit's identities among those found (keys not found have none). */
function identitiesOfKeys(
  commits: ReadonlyArray<{ readonly commitId: string; readonly keys: readonly string[] }>,
  found: ReadonlyMap<string, StoredIdentity>,
): CommitIdentities[] {
  return commits.map(({ commitId, keys }) => ({
    commitId,
    identities: new Map(keys.flatMap((key) => (found.has(key) ? [[key, found.get(key)!] as const] : []))),
  }));
}
