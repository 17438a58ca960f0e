// What the watcher hands to its subscriber: the DDL of one transaction that
// really committed, with who ran it and when.
import type { DdlStatement } from './ddl-statement.js';

export interface SessionInfo {
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
  readonly clientAddress: string;
  /** Known once the server's BackendKeyData has passed. */
  readonly backendPid?: number;
}

export interface ChangeSet {
  /** The session that ran the statements (for 2PC: the one that ran PREPARE TRANSACTION). */
  readonly session: SessionInfo;
  /** In the order they ran; may be empty when only `mayContainUnseenDdl` is set. */
  readonly statements: readonly DdlStatement[];
  readonly committedAt: Date;
  /**
   * The transaction ran code the watcher cannot see into (DO, CALL), or a
   * concurrent index build failed half-way, or a prepared transaction this
   * process never saw committed: the recorder must compare the catalog.
   */
  readonly mayContainUnseenDdl: boolean;
  /** Its COMMIT was announced by onCommitAhead, which took up the offer to read the schema before it went. */
  readonly readAhead?: boolean;
  /** Set when the change set was committed by COMMIT PREPARED. */
  readonly preparedGid?: string;
  /** The client's own message (`SET LOCAL pggit.message = '...'` in the transaction). */
  readonly message?: string;
  /** Hazards the transaction let through the proxy's guard (`SET LOCAL pggit.allow = '...'`). */
  readonly allowedHazards?: readonly string[];
}
