// Accepts client connections and runs a Session for each; shuts down by
// draining: stop accepting, let sessions finish, then end the stragglers.
import { createServer, type Server } from 'node:net';
import { pino, type Logger } from 'pino';
import type { ProxyMetrics } from '../metrics/index.js';
import { loadParser, PreparedTransactions } from '../ddl/index.js';
import { CancelMap } from './cancel-map.js';
import type { DdlHold, DdlWatching, ProxyContext } from './context.js';
import { Session } from './session.js';
import { ClientTls, type TlsFiles } from './tls.js';
import type { UpstreamTarget } from './upstream.js';
import type { BranchDirectory } from '../branch/index.js';
import type { SessionRoute } from './session-info.js';
import type { GuardShared } from './guard/session-guard.js';

export interface ProxyOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly upstream: UpstreamTarget;
  readonly tls?: TlsFiles | undefined;
  readonly logger?: Logger;
  readonly connectTimeoutMs?: number;
  /** Client connections served at once; more are refused with 53300 (default 10,000). */
  readonly maxConnections?: number | undefined;
  /** Like PostgreSQL's authentication_timeout (60 s): until the session's first ReadyForQuery. */
  readonly startupTimeoutMs?: number;
  readonly metrics?: ProxyMetrics | undefined;
  /** Turns the DDL watcher on: every committed transaction with schema changes arrives here. */
  readonly onChangeSet?: DdlWatching['onChangeSet'] | undefined;
  /** Reads a block's schema inside it before its COMMIT goes (see DdlWatching). */
  readonly readBeforeCommit?: DdlWatching['readBeforeCommit'];
  /** A session may be committing schema changes until it calls the function returned (see DdlWatching). */
  readonly onDdlStarted?: ((route: SessionRoute) => DdlHold | undefined) | undefined;
  /** A client authenticated to this branch database (the recorder baselines new ones). */
  readonly onSessionReady?: ((route: SessionRoute) => Promise<void> | undefined) | undefined;
  /** Where branches live (`app@feature`); without it only each database's main branch can be reached. */
  readonly branches?: BranchDirectory | undefined;
  /** The zero-downtime guard (see guard/); undefined: off. */
  readonly guard?: GuardShared | undefined;
}

export interface RunningProxy {
  readonly host: string;
  readonly port: number;
  readonly sessionCount: number;
  readonly hasTls: boolean;
  /** Reads the TLS certificate and key again (SIGHUP): new sessions use them; a bad file keeps the old ones and throws. */
  reloadTls(): Promise<void>;
  /** Stops accepting, waits up to drainMs for sessions to end, then ends the rest. */
  shutdown(drainMs: number): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const context: ProxyContext = {
    logger: options.logger ?? pino({ level: 'silent' }),
    upstream: options.upstream,
    cancelMap: new CancelMap(),
    clientTls: options.tls ? await ClientTls.load(options.tls) : undefined,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
    metrics: options.metrics,
    onSessionReady: options.onSessionReady,
    branches: options.branches,
    guard: options.guard,
    ddl: options.onChangeSet
      ? {
          onChangeSet: options.onChangeSet,
          onDdlStarted: options.onDdlStarted,
          readBeforeCommit: options.readBeforeCommit,
          preparedTransactions: new PreparedTransactions(),
        }
      : undefined,
  };
  if (context.ddl || context.guard) await loadParser();
  const sessions = new Set<Session>();
  let nextId = 1;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const server = createServer((socket) => {
    // Like the server at max_connections: SSL and cancel requests are still answered, the session is refused after its startup packet.
    const refusal = sessions.size >= maxConnections ? TOO_MANY_CLIENTS : undefined;
    const session = new Session(`${process.pid.toString(36)}-${(nextId++).toString(36)}`, socket, context, refusal);
    sessions.add(session);
    session.onClosed(() => sessions.delete(session));
  });
  server.on('error', (error) => context.logger.error({ err: error }, 'listener error'));
  const port = await listen(server, options.listen.host, options.listen.port);
  context.logger.info({ listen: `${options.listen.host}:${port}` }, 'proxy listening');
  return {
    host: options.listen.host,
    port,
    get sessionCount() {
      return sessions.size;
    },
    hasTls: context.clientTls !== undefined,
    reloadTls: async () => {
      await context.clientTls?.reload();
    },
    shutdown: (drainMs) => drain(server, sessions, drainMs, context.logger),
  };
}

const DEFAULT_MAX_CONNECTIONS = 10_000;

const TOO_MANY_CLIENTS = { severity: 'FATAL', sqlstate: '53300', message: 'sorry, too many clients already' } as const;

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

async function drain(server: Server, sessions: Set<Session>, drainMs: number, logger: Logger): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  logger.info({ sessions: sessions.size, drainMs }, 'draining: no new connections');
  const deadline = Date.now() + drainMs;
  while (sessions.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const session of sessions) {
    session.terminate({
      severity: 'FATAL',
      sqlstate: '57P01',
      message: 'terminating connection because pggit is shutting down',
    });
  }
  await stopped;
  logger.info('proxy stopped');
}
