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
//
// Where the lock lives. Advisory locks belong to the database of the
// session that takes them, and applications look at theirs (PostgreSQL's
// own advisory_lock test counts every advisory lock in its database). So
// the locks are taken in one database of the server that applications do
// not inspect (the lock database, `postgres` unless configured), keyed by
// the OID of the database they cover. Any single lock service would do for
// the argument above; the upstream server is the one that is there whenever
// there is DDL to cover, and it keeps a proxy's lock while the store is
// down and its commits wait to be written.
import type pg from 'pg';
import type { Logger } from 'pino';

/** The upper half of every key ('pggi' in ASCII); the lower half is the covered database's OID. */
export const SCHEMA_CHANGE_LOCK_SPACE = 0x70_67_67_69;

/** The key that covers one database, looked up by name at the time of the statement (NULL: no such database, nothing to cover). */
const KEY_OF_DATABASE = `(SELECT (${SCHEMA_CHANGE_LOCK_SPACE}::bigint << 32) | oid::bigint FROM pg_database WHERE datname = $1)`;

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

/** The key that covers a database now (undefined: it does not exist). */
export async function schemaChangeLockKey(lockClient: pg.ClientBase, database: string): Promise<string | undefined> {
  const { rows } = await lockClient.query<{ key: string | null }>(`SELECT ${KEY_OF_DATABASE} AS key`, [database]);
  return rows[0]?.key ?? undefined;
}

/**
 * Takes the exclusive lock covering `database` on `lockClient` (a
 * connection to the lock database), or says it is taken: the key to
 * release it with, or undefined.
 */
export async function tryReconcileLock(lockClient: pg.ClientBase, database: string): Promise<string | undefined> {
  const { rows } = await lockClient.query<{ key: string | null; locked: boolean | null }>(
    `SELECT key, pg_try_advisory_lock(key) AS locked FROM (SELECT ${KEY_OF_DATABASE} AS key) covered`,
    [database],
  );
  const row = rows[0];
  return row?.locked === true && row.key !== null ? row.key : undefined;
}

export async function releaseReconcileLock(lockClient: pg.ClientBase, key: string): Promise<void> {
  await lockClient.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}

/** Bounds a reconciliation read's waits for relation locks (on the reading connection). */
export async function boundRelationLockWaits(readClient: pg.ClientBase, bounded: boolean): Promise<void> {
  await readClient.query(bounded ? `SET lock_timeout = '${RECONCILE_LOCK_TIMEOUT}'` : 'RESET lock_timeout');
}

/** The shared locks of one proxy: per database that saw schema changes, a connection of its own to the lock database. */
export class SchemaChangeLocks {
  private readonly databases = new Map<string, DatabaseLock>();

  constructor(
    private readonly connect: (database: string) => pg.Client,
    private readonly log: Logger,
  ) {}

  hold(database: string): SchemaChangeHold {
    let lock = this.databases.get(database);
    if (!lock) this.databases.set(database, (lock = new DatabaseLock(database, () => this.connect(database), this.log.child({ database }))));
    return lock.hold();
  }

  /** Resolves once no lock statement is under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.databases.values()].map((lock) => lock.settled()));
  }

  /** Closes the connection that covered the database (its branch was deleted). */
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

/** Stands for a lock "held" on a database that does not exist. */
const NO_DATABASE = 'none';

class DatabaseLock {
  private holds = 0;
  /** The key the server holds our shared lock under (as far as we know). */
  private lockedKey: string | undefined;
  private client: pg.Client | undefined;
  private converging: Promise<void> | undefined;
  /** Taking the lock failed: no retry until every hold of that time has ended. */
  private failed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: string,
    private readonly newClient: () => pg.Client,
    private readonly log: Logger,
  ) {}

  private get locked(): boolean {
    return this.lockedKey !== undefined;
  }

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
    this.lockedKey = undefined;
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
        if (lock) {
          // The key is looked up with the lock, and released as taken: the database may be renamed or dropped meanwhile.
          const { rows } = await client.query<{ key: string | null }>(
            `SELECT key, pg_advisory_lock_shared(key) FROM (SELECT ${KEY_OF_DATABASE} AS key) covered`,
            [this.database],
          );
          // No such database (dropped): nothing can commit there, so nothing to cover.
          this.lockedKey = rows[0]?.key ?? NO_DATABASE;
        } else {
          if (this.lockedKey !== NO_DATABASE) await client.query('SELECT pg_advisory_unlock_shared($1::bigint)', [this.lockedKey]);
          this.lockedKey = undefined;
        }
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
      this.lockedKey = undefined;
      if (this.holds > 0) void this.converge();
    });
    await client.connect();
    this.client = client;
    return client;
  }
}
