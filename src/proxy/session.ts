// One client connection, wired together: the startup phase (startup.ts),
// routing (route.ts), the upstream connection, then the relay (relay.ts)
// with the traffic observer and the DDL watcher. This file decides when the
// session ends and what the client is told; the bytes move in relay.ts.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { FrameError, FRONTEND_CODES, backendKeyData, encodeErrorResponse, type ErrorToSend } from '../protocol/index.js';
import { NO_SESSION_METRICS, type ConnectionErrorReason, type SessionMetrics } from '../metrics/index.js';
import { startupSearchPath, TransactionTracker, type ChangeSet } from '../ddl/index.js';
import type { ReadAhead } from '../history/index.js';
import { connectSessionUpstream, describeUpstream } from './upstream.js';
import type { DdlHold, ProxyContext } from './context.js';
import type { SessionInfo } from './session-info.js';
import { BACKEND_CAPTURE, FRONTEND_CAPTURE, TrafficObserver, WATCHER_FRONTEND_CAPTURE } from './traffic-observer.js';
import { Relay, type SideSocket } from './relay.js';
import { adoptClientSocket } from './client-handle.js';
import { Startup } from './startup.js';
import { routeOf, routeSession } from './route.js';
import { SessionGuard } from './guard/session-guard.js';
import { guardMayDeny } from './guard/policy.js';
import { readBeforeCommit } from './read-ahead.js';

type Phase = 'startup' | 'connecting' | 'relaying' | 'cancelling' | 'closed';

/** How long a closing client socket may take to flush the last bytes. */
const CLOSE_GRACE_MS = 5_000;

export class Session {
  private phase: Phase = 'startup';
  private client: Socket | TLSSocket;
  private upstream: Socket | undefined;
  private readonly startup: Startup;
  private relay: Relay | undefined;
  private readonly log: Logger;
  private info: SessionInfo | undefined;
  private cancelKeyId: string | undefined;
  private clientTerminated = false;
  private upstreamSentFatal = false;
  private readonly startedAt = Date.now();
  private readonly closedCallbacks: Array<() => void> = [];
  private metrics: SessionMetrics = NO_SESSION_METRICS;
  private readonly startupTimer: NodeJS.Timeout;
  private readonly observer = new TrafficObserver({
    onBackendKeyData: (body) => {
      const key = backendKeyData(body);
      this.cancelKeyId = this.context.cancelMap.register(key, this.context.upstream);
      this.tracker?.setBackendPid(key.processId);
      this.backendPid = key.processId;
    },
    onAuthenticated: (applicationName) => this.authenticated(applicationName),
    onClientTerminate: () => (this.clientTerminated = true),
    onFatalError: () => (this.upstreamSentFatal = true),
  });
  private tracker: TransactionTracker | undefined;
  private guard: SessionGuard | undefined;
  private backendPid: number | undefined;
  /** The recorder's hold while this session's transaction may be committing schema changes. */
  private ddlHold: DdlHold | undefined;
  /** The schema of the block whose COMMIT was last sent, read before it went. */
  private readAhead: ReadAhead | undefined;
  private readonly onClientClose = (): void => this.close(this.clientTerminated ? 'client terminated the session' : 'client closed the connection');
  private readonly onClientError = (error: Error): void => this.log.debug({ err: error }, 'client socket error');

  constructor(
    readonly id: string,
    socket: Socket,
    private readonly context: ProxyContext,
    /** Past --max-connections: the startup is answered as usual (SSL, cancel), then this error. */
    private readonly refusal?: ErrorToSend,
  ) {
    this.client = socket;
    this.log = context.logger.child({ session: id });
    // Like authentication_timeout: a client that never finishes its startup
    // must not hold a session (and a file descriptor) forever.
    this.startupTimer = setTimeout(() => this.startupTimedOut(), context.startupTimeoutMs);
    this.startupTimer.unref();
    socket.setNoDelay(true);
    this.followClient(socket);
    this.startup = new Startup(socket, context, this.log, {
      started: (info, packet, rest) => this.started(info, packet, rest),
      cancelling: (done) => {
        this.phase = 'cancelling';
        void done.finally(() => this.endClient());
      },
      failed: (error, reason) => {
        if (reason) this.countError(reason);
        this.fail(error);
      },
      socketChanged: (secure) => this.followClient(secure),
      tlsFailed: () => this.countError('tls'),
    });
  }

  get isRelaying(): boolean {
    return this.phase === 'relaying';
  }

  onClosed(callback: () => void): void {
    this.closedCallbacks.push(callback);
  }

  /** Ends the session with an error the client can read (drain timeout, shutdown). */
  terminate(error: ErrorToSend): void {
    if (this.phase !== 'closed') this.countError('shutdown');
    this.fail(error);
  }

  private followClient(socket: Socket | TLSSocket): void {
    this.client.removeListener('close', this.onClientClose);
    this.client.removeListener('error', this.onClientError);
    this.client = socket;
    socket.on('error', this.onClientError);
    socket.on('close', this.onClientClose);
  }

  /** Like authentication_timeout: from accept until the server's first ReadyForQuery. */
  private startupTimedOut(): void {
    if (this.phase === 'closed' || this.phase === 'cancelling') return;
    if (this.phase === 'startup' && this.startup.waiting) {
      this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'timed out waiting for the startup packet' });
      return;
    }
    this.countError('authentication_timeout');
    this.fail({ severity: 'FATAL', sqlstate: '57014', message: 'canceling authentication due to timeout' });
  }

  private started(info: SessionInfo, packet: Buffer, rest: Buffer): void {
    this.info = info;
    if (this.refusal) {
      this.log.warn(info.logFields(), this.refusal.message);
      this.countError('too_many_connections');
      this.fail(this.refusal);
      return;
    }
    this.phase = 'connecting';
    this.relay = new Relay(
      {
        frontend: this.observer.frontend,
        backend: this.observer.backend,
        frontendCapture: this.context.ddl || this.context.guard ? WATCHER_FRONTEND_CAPTURE : FRONTEND_CAPTURE,
        backendCapture: BACKEND_CAPTURE,
        frontendCodes: FRONTEND_CODES,
      },
      {
        frameError: (error, fromServer) => this.frameError(error, fromServer),
        replyHeld: (seconds) => this.context.metrics?.readyForQueryHeld(seconds),
      },
    );
    void routeSession(info, packet, this.context.branches).then((routed) => {
      if (this.phase !== 'connecting') return;
      if (routed.kind === 'refused') {
        this.log.info({ ...info.logFields(), reason: routed.error.message }, 'session refused');
        if (routed.reason) this.countError(routed.reason);
        this.fail(routed.error);
        return;
      }
      this.info = routed.info;
      this.log.info(routed.info.logFields(), 'session started');
      this.watchDdl(routed.info);
      this.startGuard(routed.info);
      return this.openUpstream(routed.startup, rest);
    });
  }

  private async openUpstream(startup: Buffer, pending: Buffer): Promise<void> {
    const relay = this.relay!;
    const target = this.context.upstream;
    let upstream: Socket;
    let readsIntoBuffer: boolean;
    const connectStart = performance.now();
    try {
      ({ socket: upstream, readsIntoBuffer } = await connectSessionUpstream(target, this.context.connectTimeoutMs, this.startup.usedTls, relay.upstreamReads));
      this.context.metrics?.upstreamConnected((performance.now() - connectStart) / 1000);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      this.log.warn({ upstream: describeUpstream(target), reason }, 'upstream unreachable');
      this.countError('upstream_unreachable');
      this.fail({
        severity: 'FATAL',
        sqlstate: '08001',
        message: `pggit could not connect to the upstream server at ${describeUpstream(target)}: ${reason}`,
      });
      return;
    }
    if (this.phase === 'closed') {
      upstream.destroy();
      return;
    }
    this.upstream = upstream;
    upstream.on('error', (error) => this.log.debug({ err: error }, 'upstream socket error'));
    upstream.on('close', () => this.onUpstreamClosed());
    upstream.write(startup);
    this.phase = 'relaying';
    const client = this.takeClientReads(relay);
    // The startup's leftover first, then what the old socket read after it.
    const unread = client.buffered.length === 0 ? pending : Buffer.concat([pending, ...client.buffered]);
    relay.start(client.side, { socket: upstream, readsIntoBuffer }, unread);
  }

  /**
   * The client socket for the relay: a plain one moves to a socket reading
   * into the relay's buffer (see client-handle.ts), with the bytes the old
   * socket had read and nobody consumed; a TLS one keeps its stream reads.
   */
  private takeClientReads(relay: Relay): { side: SideSocket; buffered: readonly Buffer[] } {
    const adopted = this.startup.usedTls ? undefined : adoptClientSocket(this.client, relay.clientReads);
    if (adopted === undefined) return { side: { socket: this.client, readsIntoBuffer: false }, buffered: [] };
    this.followClient(adopted.socket);
    return { side: { socket: adopted.socket, readsIntoBuffer: true }, buffered: adopted.buffered };
  }

  private watchDdl(info: SessionInfo): void {
    const ddl = this.context.ddl;
    if (!ddl) return;
    const route = routeOf(info);
    this.tracker = new TransactionTracker({
      session: {
        user: info.user,
        database: info.database,
        applicationName: info.applicationName,
        clientAddress: info.clientAddress,
      },
      preparedTransactions: ddl.preparedTransactions,
      onDdlInFlight: (inFlight) => {
        this.ddlHold?.release();
        this.ddlHold = inFlight ? ddl.onDdlStarted?.(route) : undefined;
        // Called while the relay reads the statement: it goes once the hold is ready.
        if (this.ddlHold?.ready) this.relay?.holdClientBytes(this.ddlHold.ready);
      },
      onCommitAhead: (content) => {
        const read = ddl.readBeforeCommit;
        this.readAhead = read && this.relay ? readBeforeCommit(this.relay, read, content, route) : undefined;
        return this.readAhead !== undefined;
      },
      onCommitAheadUnused: () => {
        this.readAhead?.unused();
        this.readAhead = undefined;
      },
      onChangeSet: (changeSet: ChangeSet) => {
        this.log.debug(
          { statements: changeSet.statements.map((s) => s.text), unseen: changeSet.mayContainUnseenDdl },
          'schema change committed',
        );
        const ahead = changeSet.readAhead === true ? this.readAhead : undefined;
        this.readAhead = undefined;
        const snapshotTaken = ddl.onChangeSet(changeSet, route, ahead);
        if (snapshotTaken) this.relay?.holdNextReply(snapshotTaken);
      },
    });
    this.observer.attachTracker(this.tracker);
  }

  private startGuard(info: SessionInfo): void {
    const shared = this.context.guard;
    const relay = this.relay;
    if (!shared || !relay) return;
    this.guard = new SessionGuard(
      shared,
      {
        user: info.user,
        database: info.database,
        startupSearchPath: startupSearchPath(info.startup.parameters),
        application: () => this.observer.application || info.applicationName,
        backendPid: () => this.backendPid,
        gate: (bodyLength, decision) => relay.gateCurrentMessage(bodyLength, decision),
        sendToClient: (message) => relay.sendToClient(message),
        holdReply: (until) => relay.holdNextReply(until),
        replaceServerMessage: (bodyLength, replacement) => relay.replaceServerMessage(bodyLength, replacement),
      },
      this.log,
    );
    this.observer.attachGuard(this.guard);
    relay.holdsStatements = guardMayDeny(shared.policy);
  }

  /** Authentication is over: metric labels are known (bytes so far count then), the recorder learns the database. */
  private authenticated(applicationName: string): void {
    clearTimeout(this.startupTimer);
    if (!this.info) return;
    const route = routeOf(this.info);
    const baselineTaken = this.context.onSessionReady?.(route);
    const relay = this.relay!;
    if (baselineTaken) relay.holdNextReply(baselineTaken);
    const metrics = this.context.metrics;
    if (!metrics) return;
    this.metrics = metrics.session({ database: route.repository, branch: route.branch, application: applicationName });
    this.metrics.bytesFromClient(relay.bytesFromClient);
    this.metrics.bytesFromServer(relay.bytesFromServer);
    relay.metrics = this.metrics;
    this.observer.attachMetrics(this.metrics);
  }

  private onUpstreamClosed(): void {
    if (this.phase === 'closed') return;
    const unexpected = !this.clientTerminated && !this.upstreamSentFatal;
    if (unexpected) this.countError('upstream_lost');
    if (unexpected && this.serverAtBoundary) {
      this.fail({ severity: 'FATAL', sqlstate: '08006', message: 'pggit lost the connection to the upstream server' });
      return;
    }
    this.endClient();
    this.close(this.clientTerminated ? 'client terminated the session' : 'upstream closed the connection');
  }

  /** Nothing of a server message has reached the client half-way: an ErrorResponse of ours can follow. */
  private get serverAtBoundary(): boolean {
    return this.relay?.serverAtBoundary ?? true;
  }

  private countError(reason: ConnectionErrorReason): void {
    this.context.metrics?.connectionError(reason);
  }

  private frameError(error: unknown, fromServer: boolean): void {
    if (fromServer) {
      // The server's stream is the truth; a framing surprise here is our bug.
      this.log.error({ err: error }, 'could not follow server messages');
      this.countError('upstream_protocol');
      this.fail({ severity: 'FATAL', sqlstate: '08006', message: 'pggit lost track of the server protocol' });
      return;
    }
    if (!(error instanceof FrameError)) throw error;
    this.log.warn({ reason: error.code }, error.message);
    this.countError('protocol_violation');
    this.fail({ severity: 'FATAL', sqlstate: error.sqlstate, message: error.message });
  }

  /** Sends an ErrorResponse to the client (when it can still read one) and ends the session. */
  private fail(error: ErrorToSend): void {
    if (this.phase === 'closed') return;
    if (this.serverAtBoundary && !this.client.destroyed) this.endClient(encodeErrorResponse(error));
    else this.client.destroy();
    this.close(error.message);
  }

  /**
   * Sends the last bytes and closes the client socket like the server does,
   * without waiting for the client to close its side: a client that reads
   * nothing (psql idle at its prompt) would otherwise hold the socket, and a
   * shutting-down process, open for ever.
   */
  private endClient(last?: Buffer): void {
    const client = this.client;
    if (last) client.end(last);
    client.destroySoon();
    // destroySoon waits for the bytes to be flushed, which a client that never reads can prevent.
    const grace = setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref();
    // Cleared at close: a pending timer would keep the socket, and the session with it, alive for 5 s.
    client.once('close', () => clearTimeout(grace));
  }

  private close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.startupTimer);
    this.relay?.stop();
    this.upstream?.end();
    this.upstream?.destroySoon();
    if (this.cancelKeyId) this.context.cancelMap.unregister(this.cancelKeyId);
    this.ddlHold?.release();
    // Its COMMIT may have committed with nobody left to hear the answer.
    this.readAhead?.unused(true);
    this.guard?.close();
    this.metrics.close();
    const bytesIn = this.relay?.bytesFromClient ?? 0;
    const bytesOut = this.relay?.bytesFromServer ?? 0;
    this.log.info({ reason, durationMs: Date.now() - this.startedAt, bytesIn, bytesOut }, 'session ended');
    for (const callback of this.closedCallbacks) callback();
  }
}
