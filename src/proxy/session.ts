// One client connection: the startup phase (TLS/GSS negotiation, cancel,
// StartupMessage), then byte relaying in both directions with a frame
// tracker per direction. Chunks are forwarded whole as they arrive; the
// trackers only look at the few messages the proxy reads.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import {
  BackendCode,
  FrameError,
  FrameTracker,
  FrontendCode,
  PROTOCOL_MAJOR_3,
  StartupCode,
  StartupReader,
  backendKeyData,
  captureTable,
  encodeErrorResponse,
  errorFields,
  isFrontendCode,
  startupMessage,
  type ErrorToSend,
  type FrameSink,
  type StartupPacket,
} from '../protocol/index.js';
import { acceptTls } from './tls.js';
import { connectUpstream, describeUpstream } from './upstream.js';
import { forwardCancel } from './cancel-map.js';
import type { ProxyContext } from './context.js';
import { SessionInfo } from './session-info.js';

type Phase = 'startup' | 'tls-handshake' | 'connecting' | 'relaying' | 'cancelling' | 'closed';

const FRONTEND_CAPTURE = captureTable([[FrontendCode.Terminate, 0]]);
const BACKEND_CAPTURE = captureTable([
  [BackendCode.BackendKeyData, 1024],
  [BackendCode.ErrorResponse, 4096],
]);

export class Session {
  private phase: Phase = 'startup';
  private client: Socket | TLSSocket;
  private upstream: Socket | undefined;
  private readonly startupReader = new StartupReader();
  private readonly log: Logger;
  private info: SessionInfo | undefined;
  private cancelKeyId: string | undefined;
  private clientTerminated = false;
  private upstreamSentFatal = false;
  private readonly startedAt = Date.now();
  private bytesFromClient = 0;
  private bytesFromServer = 0;
  private readonly closedCallbacks: Array<() => void> = [];

  private readonly frontend = new FrameTracker({
    capture: FRONTEND_CAPTURE,
    isValidCode: isFrontendCode,
    sink: { onMessage: (code) => this.onFrontendMessage(code) } satisfies FrameSink,
  });
  private readonly backend = new FrameTracker({
    capture: BACKEND_CAPTURE,
    sink: { onMessage: (code, body) => this.onBackendMessage(code, body) } satisfies FrameSink,
  });

  constructor(
    readonly id: string,
    socket: Socket,
    private readonly context: ProxyContext,
  ) {
    this.client = socket;
    this.log = context.logger.child({ session: id });
    socket.setNoDelay(true);
    this.attachClient(socket);
  }

  get isRelaying(): boolean {
    return this.phase === 'relaying';
  }

  onClosed(callback: () => void): void {
    this.closedCallbacks.push(callback);
  }

  /** Ends the session with an error the client can read (drain timeout, shutdown). */
  terminate(error: ErrorToSend): void {
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
    const tls = this.context.tlsContext;
    if (!tls) {
      this.client.write('N');
      this.continueStartup(packet.rest);
      return;
    }
    if (packet.rest.length > 0) {
      // Bytes sent before the handshake would be read as if encrypted (CVE-2021-23214).
      this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'received unencrypted data after SSL request' });
      return;
    }
    this.phase = 'tls-handshake';
    const plain = this.client as Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.write('S');
    const secure = acceptTls(plain, tls);
    this.client = secure;
    secure.once('secure', () => {
      if (this.phase === 'tls-handshake') this.phase = 'startup';
    });
    this.attachClient(secure);
  }

  private handleCancel(packet: Buffer): void {
    const key = backendKeyData(packet.subarray(8));
    const target = this.context.cancelMap.targetFor(key, this.context.upstream);
    this.log.info({ pid: key.processId }, 'forwarding cancel request');
    this.phase = 'cancelling';
    void forwardCancel(key, target, this.context.connectTimeoutMs).finally(() => this.client.end());
  }

  private handleStartupMessage(packet: StartupPacket): void {
    if (packet.code >>> 16 !== PROTOCOL_MAJOR_3) {
      const version = `${packet.code >>> 16}.${packet.code & 0xffff}`;
      this.fail({ severity: 'FATAL', sqlstate: '0A000', message: `unsupported frontend protocol ${version}` });
      return;
    }
    try {
      this.info = SessionInfo.fromStartup(startupMessage(packet.packet), this.client.remoteAddress);
    } catch (error) {
      this.failOnFrameError(error);
      return;
    }
    this.log.info(this.info.logFields(), 'session started');
    this.phase = 'connecting';
    this.client.pause();
    void this.openUpstream(packet.packet, packet.rest);
  }

  private async openUpstream(startup: Buffer, pending: Buffer): Promise<void> {
    const target = this.context.upstream;
    let upstream: Socket;
    try {
      upstream = await connectUpstream(target, this.context.connectTimeoutMs);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      this.log.warn({ upstream: describeUpstream(target), reason }, 'upstream unreachable');
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
    if (!upstream.write(chunk)) {
      this.client.pause();
      upstream.once('drain', () => this.client.resume());
    }
  }

  private relayFromServer(chunk: Buffer): void {
    try {
      this.backend.push(chunk);
    } catch (error) {
      // The server's stream is the truth; a framing surprise here is our bug.
      this.log.error({ err: error }, 'could not follow server messages');
      this.fail({ severity: 'FATAL', sqlstate: '08006', message: 'pggit lost track of the server protocol' });
      return;
    }
    this.bytesFromServer += chunk.length;
    if (!this.client.write(chunk)) {
      this.upstream!.pause();
      this.client.once('drain', () => this.upstream?.resume());
    }
  }

  private onFrontendMessage(code: number): void {
    if (code === FrontendCode.Terminate) this.clientTerminated = true;
  }

  private onBackendMessage(code: number, body: Buffer): void {
    if (code === BackendCode.BackendKeyData) {
      this.cancelKeyId = this.context.cancelMap.register(backendKeyData(body), this.context.upstream);
    } else if (code === BackendCode.ErrorResponse) {
      if (errorFields(body).severity === 'FATAL') this.upstreamSentFatal = true;
    }
  }

  private onUpstreamClosed(): void {
    if (this.phase === 'closed') return;
    const unexpected = !this.clientTerminated && !this.upstreamSentFatal;
    if (unexpected && this.backend.atBoundary) {
      this.fail({ severity: 'FATAL', sqlstate: '08006', message: 'pggit lost the connection to the upstream server' });
      return;
    }
    this.client.end();
    this.close('upstream closed the connection');
  }

  private failOnFrameError(error: unknown): void {
    if (!(error instanceof FrameError)) throw error;
    this.log.warn({ reason: error.code }, error.message);
    this.fail({ severity: 'FATAL', sqlstate: error.sqlstate, message: error.message });
  }

  /** Sends an ErrorResponse to the client (when it can still read one) and ends the session. */
  private fail(error: ErrorToSend): void {
    if (this.phase === 'closed') return;
    if (this.backend.atBoundary && !this.client.destroyed) this.client.end(encodeErrorResponse(error));
    else this.client.destroy();
    this.close(error.message);
  }

  private close(reason: string): void {
    if (this.phase === 'closed') {
      return;
    }
    this.phase = 'closed';
    this.upstream?.end();
    this.upstream?.destroySoon();
    if (this.cancelKeyId) this.context.cancelMap.unregister(this.cancelKeyId);
    this.log.info(
      { reason, durationMs: Date.now() - this.startedAt, bytesIn: this.bytesFromClient, bytesOut: this.bytesFromServer },
      'session ended',
    );
    for (const callback of this.closedCallbacks) callback();
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected session phase ${String(value)}`);
}
