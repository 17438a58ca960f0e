// Attribution across proxies: reconciliation never claims a change that an
// observed commit of any proxy sharing the store is about to record.
//
// Every proxy holds a session-level SHARED advisory lock (SCHEMA_CHANGE_LOCK,
// per database) on a connection of its own while it has anything that may
// commit or record schema changes there: from before a statement that may be
// DDL is forwarded (the session's bytes wait for it when the lock is not held
// yet: one round trip) until that transaction ended (a block that ran DDL
// stays covered while it is open) and its observed commit is written.
// Reconciliation takes the lock EXCLUSIVELY with a try (never waits, never
// queues in front of the proxies) before its catalog read begins, holds it
// until the read is over, and skips the round when it is taken. Proxied DDL
// waits for a read under way; nothing else ever does.
//
// Why that is enough. Let L be when reconciliation got the lock, S its
// snapshot (taken after L, inside the read) and U when it let go. A proxied
// transaction T took its shared lock at a, before its commit c, and keeps it
// until its commit is written, at w. The lock is not held at L, so [a, w]
// lies before L or after U (no shared lock is granted between L and U):
//   - before L: T's commit is in the store before the read begins, so the
//     read and the head agree on it: nothing of T is left to claim;
//   - after U: c > U > S, and the server's catalog lookups (MVCC or
//     syscache) see nothing that commits after U: the read holds none of T,
//     and the recorder keeps the head's version of what changed meanwhile.
// The snapshot must come after L: a snapshot taken first could miss a T
// written just before L, and would then record T's change being undone.
// So the lock is a session lock taken by its own statement, outside the
// read's transaction, not pg_try_advisory_xact_lock inside it.
import type pg from 'pg';
import type { Logger } from 'pino';

/** The advisory lock key ('pggit' in ASCII). Advisory locks are per database: one per branch database. */
export const SCHEMA_CHANGE_LOCK = 0x70_67_67_69_74;

/**
 * How long a reconciliation read may wait for a relation lock (catalog
 * lookups wait for a table's ALTER to commit) held by a transaction that did
 * not come through a proxy, before it gives up until the next round: proxied
 * DDL waits for the read meanwhile.
 */
const RECONCILE_LOCK_TIMEOUT = '1s';

/** A lock connection unused this long is closed (like the catalog pools' idle connections), so it never keeps DROP DATABASE out. */
const IDLE_CLOSE_MS = 30_000;

/** A hold on the shared lock: `ready` settles once it is held (undefined: it already was). */
export interface SchemaChangeHold {
  readonly ready: Promise<void> | undefined;
  /** Ends this hold (idempotent); the lock goes when the last one ends. */
  release(): void;
}

/** Takes the exclusive lock for a reconciliation read, or says it is taken. Also bounds the read's waits for relation locks. */
export async function tryReconcileLock(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [SCHEMA_CHANGE_LOCK]);
  if (rows[0]?.locked !== true) return false;
  await client.query(`SET lock_timeout = '${RECONCILE_LOCK_TIMEOUT}'`);
  return true;
}

export async function releaseReconcileLock(client: pg.ClientBase): Promise<void> {
  await client.query(`RESET lock_timeout; SELECT pg_advisory_unlock(${SCHEMA_CHANGE_LOCK})`);
}

/** The shared locks of one proxy, one connection per database that saw schema changes. */
export class SchemaChangeLocks {
  private readonly databases = new Map<string, DatabaseLock>();

  constructor(
    private readonly connect: (database: string) => pg.Client,
    private readonly log: Logger,
  ) {}

  hold(database: string): SchemaChangeHold {
    let lock = this.databases.get(database);
    if (!lock) this.databases.set(database, (lock = new DatabaseLock(() => this.connect(database), this.log.child({ database }))));
    return lock.hold();
  }

  /** Resolves once no lock statement is under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.databases.values()].map((lock) => lock.settled()));
  }

  /** Closes the database's connection (its branch was deleted). */
  async close(database: string): Promise<void> {
    const lock = this.databases.get(database);
    this.databases.delete(database);
    await lock?.end();
  }

  async end(): Promise<void> {
    await Promise.all([...this.databases.values()].map((lock) => lock.end()));
    this.databases.clear();
  }
}

class DatabaseLock {
  private holds = 0;
  /** The server holds our shared lock (as far as we know). */
  private locked = false;
  private client: pg.Client | undefined;
  private converging: Promise<void> | undefined;
  /** Taking the lock failed: no retry until every hold of that time has ended. */
  private failed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly newClient: () => pg.Client,
    private readonly log: Logger,
  ) {}

  hold(): SchemaChangeHold {
    this.holds += 1;
    clearTimeout(this.idleTimer);
    let released = false;
    return {
      // Only the first hold costs a round trip; later ones find the lock held.
      ready: this.locked && this.converging === undefined ? undefined : this.converge(),
      release: () => {
        if (released) return;
        released = true;
        this.holds -= 1;
        if (this.holds === 0) {
          this.failed = false;
          void this.converge();
        }
      },
    };
  }

  async settled(): Promise<void> {
    while (this.converging) await this.converging;
  }

  async end(): Promise<void> {
    clearTimeout(this.idleTimer);
    const client = this.client;
    this.client = undefined;
    this.locked = false;
    await client?.end().catch(() => undefined);
  }

  /** Brings the server's lock in line with the holds; one statement at a time. */
  private converge(): Promise<void> {
    this.converging ??= this.step().finally(() => {
      this.converging = undefined;
      // A hold taken or released while the last statement was under way.
      if (this.mismatch()) void this.converge();
      else if (this.holds === 0 && this.client) this.closeWhenIdle();
    });
    return this.converging;
  }

  private closeWhenIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.holds === 0 && this.converging === undefined) void this.end();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private mismatch(): boolean {
    return this.holds > 0 ? !this.locked && !this.failed : this.locked;
  }

  private async step(): Promise<void> {
    while (this.mismatch()) {
      const lock = this.holds > 0;
      try {
        const client = await this.connection();
        await client.query(lock ? 'SELECT pg_advisory_lock_shared($1)' : 'SELECT pg_advisory_unlock_shared($1)', [SCHEMA_CHANGE_LOCK]);
        this.locked = lock;
      } catch (error) {
        // Clients are not held up for it: at worst reconciliation records the change as detected.
        this.log.warn({ err: error }, 'could not take the schema-change lock: reconciliation may record this change as detected');
        await this.end();
        if (lock) this.failed = true;
      }
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = this.newClient();
    client.on('error', (error) => {
      if (this.client !== client) return;
      // The server released the lock with the connection: take it again if still needed.
      this.log.warn({ err: error }, 'lost the schema-change lock connection');
      this.client = undefined;
      this.locked = false;
      if (this.holds > 0) void this.converge();
    });
    await client.connect();
    this.client = client;
    return client;
  }
}
