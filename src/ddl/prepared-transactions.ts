// Change sets of prepared (two-phase) transactions, waiting under their gid
// until COMMIT PREPARED or ROLLBACK PREPARED, which any session may run. One
// registry is shared by all the sessions of a proxy process (injected, not a
// module global); it lives in memory only.
import type { SessionInfo } from './change-set.js';
import type { DdlStatement } from './ddl-statement.js';

export interface PreparedChanges {
  /** The session that ran PREPARE TRANSACTION. */
  readonly session: SessionInfo;
  readonly statements: readonly DdlStatement[];
  readonly mayContainUnseenDdl: boolean;
  readonly message?: string | undefined;
  /** `SET LOCAL pggit.allow` in the prepared transaction: its commit records it. */
  readonly allowedHazards?: readonly string[] | undefined;
}

export class PreparedTransactions {
  private readonly byGid = new Map<string, PreparedChanges>();

  /** Kept even when empty, so that committing it later is known to hold no DDL. */
  prepare(gid: string, changes: PreparedChanges): void {
    this.byGid.set(gid, changes);
  }

  /** Removes and returns what was prepared under `gid`, if this registry saw it. */
  take(gid: string): PreparedChanges | undefined {
    const changes = this.byGid.get(gid);
    this.byGid.delete(gid);
    return changes;
  }

  has(gid: string): boolean {
    return this.byGid.has(gid);
  }

  get size(): number {
    return this.byGid.size;
  }
}
