// One client connection: the startup phase (TLS/GSS negotiation, cancel,
// StartupMessage), then byte relaying in both directions with a frame
// tracker per direction. Chunks are forwarded whole as they arrive; the
// trackers only look at the few messages the proxy reads.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import {
  FrameError,
  FrameTracker,
  MIN_CANCEL_REQUEST_LENGTH,
  PROTOCOL_MAJOR_3,
  StartupCode,
  StartupReader,
  backendKeyData,
  encodeErrorResponse,
  encodeStartupMessage,
  isFrontendCode,
  startupMessage,
  type ErrorToSend,
  type StartupPacket,
} from '../protocol/index.js';
import { NO_SESSION_METRICS, type ConnectionErrorReason, type SessionMetrics } from '../metrics/index.js';
import { acceptTls, POSTGRES_ALPN } from './tls.js';
import { ChannelBindingFilter } from './channel-binding.js';
import { connectUpstream, describeUpstream } from './upstream.js';
import { forwardCancel } from './cancel-map.js';
import type { ProxyContext } from './context.js';
import { SessionInfo } from './session-info.js';
import { BACKEND_CAPTURE, FRONTEND_CAPTURE, TrafficObserver, WATCHER_FRONTEND_CAPTURE } from './traffic-observer.js';
import { TransactionTracker, type ChangeSet } from '../ddl/index.js';
import { branchRequest, MAIN_BRANCH, needsRewrite, upstreamParameters, type BranchRequest } from '../branch/index.js';
import type { SessionRoute } from './session-info.js';

type Phase = 'startup' | 'tls-handshake' | 'connecting' | 'relaying' | 'cancelling' | 'closed';

/** How long a closing client socket may take to flush the last bytes. */
const CLOSE_GRACE_MS = 5_000;
const SNAPSHOT_HOLD_MS = 2_000;
/** A TLS record of type handshake: the first byte of a ClientHello. */
const TLS_HANDSHAKE_RECORD = 0x16;

export class Session {
  private phase: Phase = 'startup';
  private client: Socket | TLSSocket;
  /** The accepted socket; client differs from it once TLS is on. */
  private readonly plainClient: Socket;
  private upstream: Socket | undefined;
  private readonly startupReader = new StartupReader();
  /** Only a connection's very first bytes may be a direct TLS ClientHello. */
  private awaitingFirstByte = true;
  private readonly log: Logger;
  private info: SessionInfo | undefined;
  private cancelKeyId: string | undefined;
  private clientTerminated = false;
  private upstreamSentFatal = false;
  private readonly startedAt = Date.now();
  private bytesFromClient = 0;
  private bytesFromServer = 0;
  private readonly closedCallbacks: Array<() => void> = [];

  private metrics: SessionMetrics = NO_SESSION_METRICS;
  private readonly startupTimer: NodeJS.Timeout;
  private readonly observer = new TrafficObserver({
    onBackendKeyData: (body) => {
      const key = backendKeyData(body);
      this.cancelKeyId = this.context.cancelMap.register(key, this.context.upstream);
      this.tracker?.setBackendPid(key.processId);
    },
    onAuthenticated: (applicationName) => this.authenticated(applicationName),
    onClientTerminate: () => (this.clientTerminated = true),
    onFatalError: () => (this.upstreamSentFatal = true),
  });
  private tracker: TransactionTracker | undefined;
  /** Set while a committed change set's snapshot is being read (see forwardAfter). */
  private snapshotHold: Promise<void> | undefined;
  private readonly frontend: FrameTracker;
  /** Until the server's first authentication request: hides SCRAM-SHA-256-PLUS (see channel-binding.ts). */
  private channelBinding: ChannelBindingFilter | undefined = new ChannelBindingFilter();
  private readonly backend = new FrameTracker({ capture: BACKEND_CAPTURE, sink: this.observer.backend });

  constructor(
    readonly id: string,
    socket: Socket,
    private readonly context: ProxyContext,
  ) {
    this.client = socket;
    this.plainClient = socket;
    this.log = context.logger.child({ session: id });
    this.frontend = new FrameTracker({
      capture: context.ddl ? WATCHER_FRONTEND_CAPTURE : FRONTEND_CAPTURE,
      isValidCode: isFrontendCode,
      sink: this.observer.frontend,
    });
    // Like authentication_timeout: a client that never finishes its startup
    // must not hold a session (and a file descriptor) forever.
    this.startupTimer = setTimeout(() => this.startupTimedOut(), context.startupTimeoutMs);
    this.startupTimer.unref();
    socket.setNoDelay(true);
    this.attachClient(socket);
  }

  get isRelaying(): boolean {
    return this.phase === 'relaying';
  }

  private startupTimedOut(): void {
    if (this.phase !== 'startup' && this.phase !== 'tls-handshake') return;
    this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'timed out waiting for the startup packet' });
  }

  onClosed(callback: () => void): void {
    this.closedCallbacks.push(callback);
  }

  /** Ends the session with an error the client can read (drain timeout, shutdown). */
  terminate(error: ErrorToSend): void {
    if (this.phase !== 'closed') this.countError('shutdown');
    this.fail(error);
  }

  private attachClient(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => this.onClientData(chunk));
    socket.on('error', (error) => this.log.debug({ err: error }, 'client socket error'));
    socket.on('close', () => this.close('client closed the connection'));
  }

  private onClientData(chunk: Buffer): void {
    switch (this.phase) {
      case 'relaying':
        this.relayFromClient(chunk);
        return;
      case 'startup':
        this.readStartup(chunk);
        return;
      case 'tls-handshake':
      case 'connecting':
        // The socket is paused in these phases; bytes here break the protocol.
        this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'unexpected data during connection startup' });
        return;
      case 'cancelling':
      case 'closed':
        return;
      default:
        return assertNever(this.phase);
    }
  }

  private readStartup(chunk: Buffer): void {
    if (this.awaitingFirstByte) {
      this.awaitingFirstByte = false;
      // PostgreSQL 17's direct TLS: a ClientHello where a length would be.
      if (chunk[0] === TLS_HANDSHAKE_RECORD) {
        this.startDirectTls(chunk);
        return;
      }
    }
    let packet: StartupPacket | undefined;
    try {
      packet = this.startupReader.push(chunk);
    } catch (error) {
      this.failOnFrameError(error);
      return;
    }
    if (packet) this.handleStartupPacket(packet);
  }

  private handleStartupPacket(packet: StartupPacket): void {
    switch (packet.code) {
      case StartupCode.SSLRequest:
        this.answerSslRequest(packet);
        return;
      case StartupCode.GSSENCRequest:
        // No GSSAPI encryption here: 'N' lets the client go on in plain text.
        this.client.write('N');
        this.continueStartup(packet.rest);
        return;
      case StartupCode.CancelRequest:
        this.handleCancel(packet.packet);
        return;
      default:
        this.handleStartupMessage(packet);
    }
  }

  private continueStartup(rest: Buffer): void {
    if (rest.length > 0) this.readStartup(rest);
  }

  private answerSslRequest(packet: StartupPacket): void {
    if (!this.context.clientTls) {
      this.client.write('N');
      this.continueStartup(packet.rest);
      return;
    }
    if (packet.rest.length > 0) {
      // Bytes sent before the handshake would be read as if encrypted (CVE-2021-23214).
      this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'received unencrypted data after SSL request' });
      return;
    }
    this.client.write('S');
    this.startTls(undefined);
  }

  private startDirectTls(clientHello: Buffer): void {
    if (!this.context.clientTls) {
      // No certificate: nothing the client could read; the server closes the same way.
      this.log.info('direct TLS connection refused: no --tls-cert configured');
      this.countError('tls');
      this.client.destroy();
      this.close('direct TLS without a certificate configured');
      return;
    }
    this.startTls(clientHello);
  }

  /** Hands the plain socket to TLS; clientHello: bytes already read of a direct TLS start. */
  private startTls(clientHello: Buffer | undefined): void {
    this.phase = 'tls-handshake';
    const plain = this.plainClient;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    if (clientHello) {
      // Paused first: a flowing socket would emit the unshifted bytes again to no one.
      plain.pause();
      plain.unshift(clientHello);
    }
    const secure = acceptTls(plain, this.context.clientTls!.context);
    this.client = secure;
    secure.once('error', () => {
      if (this.phase === 'tls-handshake') this.countError('tls');
    });
    secure.once('secure', () => {
      if (this.phase !== 'tls-handshake') return;
      if (clientHello && secure.alpnProtocol !== POSTGRES_ALPN) {
        // As the server: a direct TLS client must have negotiated ALPN "postgresql".
        this.countError('tls');
        this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'received direct SSL connection request without ALPN protocol negotiation extension' });
        return;
      }
      this.phase = 'startup';
    });
    this.attachClient(secure);
  }

  private handleCancel(packet: Buffer): void {
    if (packet.length < MIN_CANCEL_REQUEST_LENGTH) {
      const message = `invalid length of cancel request: ${packet.length}`;
      this.fail({ severity: 'FATAL', sqlstate: '08P01', message });
      return;
    }
    const key = backendKeyData(packet.subarray(8));
    const target = this.context.cancelMap.targetFor(key, this.context.upstream);
    // Not "pid": that field is the proxy's own process id in every log line.
    this.log.info({ backendPid: key.processId }, 'forwarding cancel request');
    this.phase = 'cancelling';
    void forwardCancel(key, target, this.context.connectTimeoutMs).finally(() => this.endClient());
  }

  private handleStartupMessage(packet: StartupPacket): void {
    if (packet.code >>> 16 !== PROTOCOL_MAJOR_3) {
      const version = `${packet.code >>> 16}.${packet.code & 0xffff}`;
      this.fail({ severity: 'FATAL', sqlstate: '0A000', message: `unsupported frontend protocol ${version}` });
      return;
    }
    let info: SessionInfo;
    try {
      info = SessionInfo.fromStartup(startupMessage(packet.packet), this.client.remoteAddress);
    } catch (error) {
      this.failOnFrameError(error);
      return;
    }
    this.info = info;
    clearTimeout(this.startupTimer);
    const asked = branchRequest(info.startup.parameters);
    if (asked.kind === 'error') {
      this.log.info({ ...info.logFields(), reason: asked.message }, 'session refused');
      this.countError(asked.sqlstate === '3D000' ? 'unknown_branch' : 'protocol_violation');
      this.fail({ severity: 'FATAL', sqlstate: asked.sqlstate, message: asked.message });
      return;
    }
    this.phase = 'connecting';
    this.client.pause();
    void this.route(asked.request, packet.packet).then((startup) => {
      if (startup === undefined || this.phase !== 'connecting') return;
      this.log.info(this.info!.logFields(), 'session started');
      this.watchDdl(this.info!);
      return this.openUpstream(startup, packet.rest);
    });
  }

  /**
   * Finds the physical database of the branch the client asked for and
   * returns the StartupMessage to send upstream (the client's own bytes when
   * nothing changes); undefined after failing the session.
   */
  private async route(request: BranchRequest, packet: Buffer): Promise<Buffer | undefined> {
    const info = this.info!;
    let database = request.repository;
    if (request.branch !== MAIN_BRANCH) {
      const found = await this.lookupBranch(request);
      if (found === undefined) return undefined;
      database = found;
    }
    const route: SessionRoute = { repository: request.repository, branch: request.branch, database };
    this.info = info.routedTo(route);
    const parameters = info.startup.parameters;
    if (!needsRewrite(parameters, request, database)) return packet;
    return encodeStartupMessage({
      protocolVersion: info.startup.protocolVersion,
      parameters: upstreamParameters(parameters, request, database),
    });
  }

  private async lookupBranch(request: BranchRequest): Promise<string | undefined> {
    const directory = this.context.branches;
    const unknown = (message: string): undefined => {
      this.countError('unknown_branch');
      this.fail({ severity: 'FATAL', sqlstate: '3D000', message });
      return undefined;
    };
    if (!directory) {
      return unknown(`branch "${request.branch}" of "${request.repository}" cannot be reached: branches need the metadata store (run the proxy with --store)`);
    }
    try {
      const found = await directory.lookup(request.repository, request.branch);
      if (found) return found.database;
      const names = await directory.list(request.repository);
      const known = names.length > 0 ? names.join(', ') : 'none recorded yet';
      return unknown(`branch "${request.branch}" of database "${request.repository}" does not exist; branches: ${known}`);
    } catch (error) {
      this.log.warn({ err: error }, 'could not look up a branch');
      this.fail({
        severity: 'FATAL',
        sqlstate: '08006',
        message: `pggit could not look up branch "${request.branch}": the metadata store did not answer (${(error as Error).message})`,
      });
      return undefined;
    }
  }

  private async openUpstream(startup: Buffer, pending: Buffer): Promise<void> {
    const target = this.context.upstream;
    let upstream: Socket;
    const connectStart = performance.now();
    try {
      upstream = await connectUpstream(target, this.context.connectTimeoutMs, this.client !== this.plainClient);
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
    upstream.on('data', (chunk: Buffer) => this.relayFromServer(chunk));
    upstream.on('error', (error) => this.log.debug({ err: error }, 'upstream socket error'));
    upstream.on('close', () => this.onUpstreamClosed());
    upstream.write(startup);
    this.phase = 'relaying';
    if (pending.length > 0) this.relayFromClient(pending);
    this.client.resume();
  }

  private relayFromClient(chunk: Buffer): void {
    const upstream = this.upstream!;
    try {
      this.frontend.push(chunk);
    } catch (error) {
      this.failOnFrameError(error);
      return;
    }
    this.bytesFromClient += chunk.length;
    this.metrics.bytesFromClient(chunk.length);
    if (!upstream.write(chunk)) {
      this.client.pause();
      upstream.once('drain', () => this.client.resume());
    }
  }

  private relayFromServer(received: Buffer): void {
    let chunk = received;
    try {
      if (this.channelBinding) {
        chunk = this.channelBinding.push(received);
        if (this.channelBinding.done) this.channelBinding = undefined;
      }
      this.backend.push(chunk);
    } catch (error) {
      // The server's stream is the truth; a framing surprise here is our bug.
      this.log.error({ err: error }, 'could not follow server messages');
      this.countError('upstream_protocol');
      this.fail({ severity: 'FATAL', sqlstate: '08006', message: 'pggit lost track of the server protocol' });
      return;
    }
    if (chunk.length === 0) return;
    this.bytesFromServer += chunk.length;
    this.metrics.bytesFromServer(chunk.length);
    const hold = this.snapshotHold;
    if (hold) {
      this.snapshotHold = undefined;
      this.forwardAfter(hold, chunk);
      return;
    }
    if (!this.client.write(chunk)) {
      this.upstream!.pause();
      this.client.once('drain', () => this.upstream?.resume());
    }
  }

  /**
   * Holds a ReadyForQuery (the end of this chunk) until the recorder has
   * read the catalog: after a transaction with schema changes, so the
   * snapshot holds exactly its result and not the client's next change; and
   * at the first session of a new database, so the baseline is read before
   * the client changes anything. Bounded: after SNAPSHOT_HOLD_MS the reply
   * goes anyway and reconciliation keeps the history right.
   */
  private forwardAfter(hold: Promise<void>, chunk: Buffer): void {
    const upstream = this.upstream!;
    upstream.pause();
    const heldSince = performance.now();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SNAPSHOT_HOLD_MS).unref());
    void Promise.race([hold.catch(() => undefined), timeout]).then(() => {
      this.context.metrics?.readyForQueryHeld((performance.now() - heldSince) / 1000);
      if (this.phase === 'closed') return;
      if (this.client.write(chunk)) upstream.resume();
      else this.client.once('drain', () => upstream.resume());
    });
  }

  private watchDdl(info: SessionInfo): void {
    const ddl = this.context.ddl;
    if (!ddl) return;
    this.tracker = new TransactionTracker({
      session: {
        user: info.user,
        database: info.database,
        applicationName: info.applicationName,
        clientAddress: info.clientAddress,
      },
      preparedTransactions: ddl.preparedTransactions,
      onChangeSet: (changeSet: ChangeSet) => {
        this.log.debug(
          { statements: changeSet.statements.map((s) => s.text), unseen: changeSet.mayContainUnseenDdl },
          'schema change committed',
        );
        const message = this.observer.commitMessage;
        const snapshotTaken = ddl.onChangeSet(message === undefined ? changeSet : { ...changeSet, message }, routeOf(info));
        if (snapshotTaken) this.snapshotHold = snapshotTaken;
      },
    });
    this.observer.attachTracker(this.tracker);
  }

  /** Authentication is over: metric labels are known (bytes so far count then), the recorder learns the database. */
  private authenticated(applicationName: string): void {
    if (!this.info) return;
    const route = routeOf(this.info);
    const baselineTaken = this.context.onSessionReady?.(route);
    if (baselineTaken) this.snapshotHold = baselineTaken;
    const metrics = this.context.metrics;
    if (!metrics) return;
    this.metrics = metrics.session({ database: route.repository, branch: route.branch, application: applicationName });
    this.metrics.bytesFromClient(this.bytesFromClient);
    this.metrics.bytesFromServer(this.bytesFromServer);
    this.observer.attachMetrics(this.metrics);
  }

  private onUpstreamClosed(): void {
    if (this.phase === 'closed') return;
    const unexpected = !this.clientTerminated && !this.upstreamSentFatal;
    if (unexpected) this.countError('upstream_lost');
    if (unexpected && this.backend.atBoundary) {
      this.fail({ severity: 'FATAL', sqlstate: '08006', message: 'pggit lost the connection to the upstream server' });
      return;
    }
    this.endClient();
    this.close('upstream closed the connection');
  }

  private countError(reason: ConnectionErrorReason): void {
    this.context.metrics?.connectionError(reason);
  }

  private failOnFrameError(error: unknown): void {
    if (!(error instanceof FrameError)) throw error;
    this.log.warn({ reason: error.code }, error.message);
    this.countError('protocol_violation');
    this.fail({ severity: 'FATAL', sqlstate: error.sqlstate, message: error.message });
  }

  /** Sends an ErrorResponse to the client (when it can still read one) and ends the session. */
  private fail(error: ErrorToSend): void {
    if (this.phase === 'closed') return;
    if (this.backend.atBoundary && !this.client.destroyed) this.endClient(encodeErrorResponse(error));
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
    setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref();
  }

  private close(reason: string): void {
    if (this.phase === 'closed') {
      return;
    }
    this.phase = 'closed';
    clearTimeout(this.startupTimer);
    this.upstream?.end();
    this.upstream?.destroySoon();
    if (this.cancelKeyId) this.context.cancelMap.unregister(this.cancelKeyId);
    this.metrics.close();
    this.log.info(
      { reason, durationMs: Date.now() - this.startedAt, bytesIn: this.bytesFromClient, bytesOut: this.bytesFromServer },
      'session ended',
    );
    for (const callback of this.closedCallbacks) callback();
  }
}

function routeOf(info: SessionInfo): SessionRoute {
  return info.route ?? { repository: info.database, branch: MAIN_BRANCH, database: info.database };
}

function assertNever(value: never): never {
  throw new Error(`unexpected session phase ${String(value)}`);
}
