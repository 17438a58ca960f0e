// What every session of one proxy shares.
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics/index.js';
import type { ChangeSet, PreparedTransactions, TakenContent } from '../ddl/index.js';
import type { CatalogClient, ReadAhead } from '../history/index.js';
import type { CancelMap } from './cancel-map.js';
import type { ClientTls } from './tls.js';
import type { UpstreamTarget } from './upstream.js';
import type { BranchDirectory } from '../branch/index.js';
import type { SessionRoute } from './session-info.js';
import type { GuardShared } from './guard/session-guard.js';

export interface ProxyContext {
  readonly logger: Logger;
  readonly upstream: UpstreamTarget;
  readonly cancelMap: CancelMap;
  /** The certificate for clients' TLS; undefined: SSLRequest is answered 'N'. */
  readonly clientTls: ClientTls | undefined;
  readonly connectTimeoutMs: number;
  /** How long a client may take to send its StartupMessage. */
  readonly startupTimeoutMs: number;
  /** Undefined when metrics are off. */
  readonly metrics: ProxyMetrics | undefined;
  /** May return a promise: the session holds its first ReadyForQuery until it settles. */
  readonly onSessionReady: ((route: SessionRoute) => Promise<void> | undefined) | undefined;
  /** Where branches live; undefined without a metadata store (only main can be reached). */
  readonly branches: BranchDirectory | undefined;
  /** Undefined when the DDL watcher is off. */
  readonly ddl: DdlWatching | undefined;
  /** Undefined when the zero-downtime guard is off. */
  readonly guard: GuardShared | undefined;
}

export interface DdlHold {
  readonly ready: Promise<void> | undefined;
  release(): void;
}

export interface DdlWatching {
  /**
   * May return a promise: the session holds the commit's ReadyForQuery until
   * it settles. `undefined`, not `void`: a handler that forgets to return
   * the read's promise must not compile (the hold would silently go).
   */
  readonly onChangeSet: (changeSet: ChangeSet, route: SessionRoute, ahead?: ReadAhead) => Promise<void> | undefined;
  /**
   * A block with schema changes is about to send its COMMIT, and the
   * session's connection is free: read its schema on `client` (pggit's own
   * queries inside the transaction) while the COMMIT waits for `settled`;
   * the read reaches onChangeSet as `ahead`. Undefined: read after the commit.
   */
  readonly readBeforeCommit?: ((content: TakenContent, route: SessionRoute, client: CatalogClient) => ReadAhead | undefined) | undefined;
  /**
   * A session is about to send something that may commit schema changes:
   * its bytes wait for `ready` (when given); `release` once its transaction
   * ended and its change set, if any, was handed over.
   */
  readonly onDdlStarted?: ((route: SessionRoute) => DdlHold | undefined) | undefined;
  /** Shared by all sessions: COMMIT PREPARED may come from any of them. */
  readonly preparedTransactions: PreparedTransactions;
}
