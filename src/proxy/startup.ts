// The startup phase of a client connection: SSLRequest (TLS upgrade or 'N'),
// GSSENCRequest ('N'), CancelRequest (forwarded, then the connection ends)
// and the StartupMessage, which it validates and hands to the session. It
// owns the client socket until then; the relay takes over afterwards.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import {
  FrameError,
  MIN_CANCEL_REQUEST_LENGTH,
  PROTOCOL_MAJOR_3,
  StartupCode,
  StartupReader,
  backendKeyData,
  startupMessage,
  type ErrorToSend,
  type StartupPacket,
} from '../protocol/index.js';
import type { ConnectionErrorReason } from '../metrics/index.js';
import { forwardCancel } from './cancel-map.js';
import type { ProxyContext } from './context.js';
import { SessionInfo } from './session-info.js';
import { acceptTls, POSTGRES_ALPN } from './tls.js';

/** A TLS record of type handshake: the first byte of a ClientHello. */
const TLS_HANDSHAKE_RECORD = 0x16;

export interface StartupEvents {
  /** A valid StartupMessage: `packet` is the whole message, `rest` what the client sent after it. */
  started(info: SessionInfo, packet: Buffer, rest: Buffer): void;
  /** The connection was a CancelRequest: it is being forwarded, the client gets nothing back. */
  cancelling(done: Promise<void>): void;
  /** The client broke the startup protocol (or TLS failed): end the session with this error. */
  failed(error: ErrorToSend, reason: ConnectionErrorReason | undefined): void;
  /** The client socket changed (TLS upgrade): the session's close handling must follow it. */
  socketChanged(socket: Socket | TLSSocket): void;
  /** The TLS handshake failed; the socket closes by itself. */
  tlsFailed(): void;
}

export class Startup {
  private readonly reader = new StartupReader();
  private socket: Socket | TLSSocket;
  private handshaking = false;
  /** Only a connection's very first bytes may be a direct TLS ClientHello. */
  private awaitingFirstByte = true;
  private done = false;
  private readonly onData = (chunk: Buffer): void => this.read(chunk);

  constructor(
    socket: Socket,
    private readonly context: ProxyContext,
    private readonly log: Logger,
    private readonly events: StartupEvents,
  ) {
    this.socket = socket;
    socket.on('data', this.onData);
  }

  /** The client socket (a TLSSocket after an upgrade). */
  get client(): Socket | TLSSocket {
    return this.socket;
  }

  /** The client reached pggit over TLS (its session goes upstream by the rule for TLS clients). */
  get usedTls(): boolean {
    return this.handshaking;
  }

  /** Still waiting for the client's StartupMessage (a startup timeout applies). */
  get waiting(): boolean {
    return !this.done;
  }

  private read(chunk: Buffer): void {
    if (this.done) return;
    if (this.awaitingFirstByte) {
      this.awaitingFirstByte = false;
      // PostgreSQL 17's direct TLS: a ClientHello where a length would be.
      if (chunk[0] === TLS_HANDSHAKE_RECORD) {
        this.directTls(chunk);
        return;
      }
    }
    let packet: StartupPacket | undefined;
    try {
      packet = this.reader.push(chunk);
    } catch (error) {
      this.frameError(error);
      return;
    }
    if (packet) this.handle(packet);
  }

  private handle(packet: StartupPacket): void {
    switch (packet.code) {
      case StartupCode.SSLRequest:
        this.answerSslRequest(packet);
        return;
      case StartupCode.GSSENCRequest:
        // No GSSAPI encryption here: 'N' lets the client go on in plain text.
        this.socket.write('N');
        this.continueWith(packet.rest);
        return;
      case StartupCode.CancelRequest:
        this.cancel(packet.packet);
        return;
      default:
        this.startupMessage(packet);
    }
  }

  private continueWith(rest: Buffer): void {
    if (rest.length > 0) this.read(rest);
  }

  private answerSslRequest(packet: StartupPacket): void {
    if (!this.context.clientTls || this.handshaking) {
      this.socket.write('N');
      this.continueWith(packet.rest);
      return;
    }
    if (packet.rest.length > 0) {
      // Bytes sent before the handshake would be read as if encrypted (CVE-2021-23214).
      this.fail({ severity: 'FATAL', sqlstate: '08P01', message: 'received unencrypted data after SSL request' });
      return;
    }
    this.socket.write('S');
    this.startTls(undefined);
  }

  private directTls(clientHello: Buffer): void {
    if (!this.context.clientTls) {
      // No certificate: nothing the client could read; the server closes the same way.
      this.log.info('direct TLS connection refused: no --tls-cert configured');
      this.finish();
      this.events.tlsFailed();
      this.socket.destroy();
      return;
    }
    this.startTls(clientHello);
  }

  /** Hands the plain socket to TLS; clientHello: the bytes already read of a direct TLS start. */
  private startTls(clientHello: Buffer | undefined): void {
    this.handshaking = true;
    const plain = this.socket as Socket;
    plain.removeListener('data', this.onData);
    if (clientHello) {
      // Paused first: a flowing socket would emit the unshifted bytes again to no one.
      plain.pause();
      plain.unshift(clientHello);
    }
    const secure = acceptTls(plain, this.context.clientTls!.context);
    this.socket = secure;
    let secured = false;
    secure.once('secure', () => {
      secured = true;
      if (clientHello && secure.alpnProtocol !== POSTGRES_ALPN) {
        // As the server: a direct TLS client must have negotiated ALPN "postgresql".
        this.events.failed({ severity: 'FATAL', sqlstate: '08P01', message: 'received direct SSL connection request without ALPN protocol negotiation extension' }, 'tls');
      }
    });
    secure.once('error', () => {
      if (!secured) this.events.tlsFailed();
    });
    secure.on('data', this.onData);
    this.events.socketChanged(secure);
  }

  private cancel(packet: Buffer): void {
    if (packet.length < MIN_CANCEL_REQUEST_LENGTH) {
      this.fail({ severity: 'FATAL', sqlstate: '08P01', message: `invalid length of cancel request: ${packet.length}` });
      return;
    }
    this.finish();
    const key = backendKeyData(packet.subarray(8));
    const target = this.context.cancelMap.targetFor(key, this.context.upstream);
    // Not "pid": that field is the proxy's own process id in every log line.
    this.log.info({ backendPid: key.processId }, 'forwarding cancel request');
    this.events.cancelling(forwardCancel(key, target, this.context.connectTimeoutMs));
  }

  private startupMessage(packet: StartupPacket): void {
    if (packet.code >>> 16 !== PROTOCOL_MAJOR_3) {
      const version = `${packet.code >>> 16}.${packet.code & 0xffff}`;
      this.fail({ severity: 'FATAL', sqlstate: '0A000', message: `unsupported frontend protocol ${version}` });
      return;
    }
    let info: SessionInfo;
    try {
      info = SessionInfo.fromStartup(startupMessage(packet.packet), this.socket.remoteAddress);
    } catch (error) {
      this.frameError(error);
      return;
    }
    this.finish();
    // Nothing more is read until the relay takes the socket over.
    this.socket.pause();
    this.events.started(info, packet.packet, packet.rest);
  }

  /** Stops reading startup packets; later bytes belong to the relay. */
  private finish(): void {
    this.done = true;
    this.socket.removeListener('data', this.onData);
  }

  private frameError(error: unknown): void {
    if (!(error instanceof FrameError)) throw error;
    this.log.warn({ reason: error.code }, error.message);
    this.events.failed({ severity: 'FATAL', sqlstate: error.sqlstate, message: error.message }, 'protocol_violation');
  }

  private fail(error: ErrorToSend): void {
    this.events.failed(error, undefined);
  }
}
