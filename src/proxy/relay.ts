// The hot path: bytes in both directions once the session is set up. Every
// chunk is forwarded whole the moment it arrives; a frame tracker per
// direction hands the observer the few messages it reads. This class is the
// one owner of backpressure (a full socket on either side pauses the other
// side's reads) and of the two holds: a ReadyForQuery held back until the
// recorder has read the catalog, and client bytes held back until the
// recorder holds the schema-change lock (before a statement that may be DDL).
//
// Server bytes are read into a reused buffer (net's `onread`), which saves an
// allocation and the stream machinery per read. A buffer that a pending write
// still refers to is never read into again: the next read gets a new one.
import type { OnReadOpts, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { FrameTracker, type FrameSink } from '../protocol/index.js';
import { NO_SESSION_METRICS, type SessionMetrics } from '../metrics/index.js';
import { ChannelBindingFilter } from './channel-binding.js';

/** What one read may take from the server (Node's own default). */
export const READ_BUFFER_SIZE = 64 * 1024;
/** A bounded hold: after this the reply goes anyway and reconciliation keeps history right. */
// Long enough for a catalog read on a busy server (exactness needs it to
// finish first); short enough that a stuck recorder never stalls clients.
const SNAPSHOT_HOLD_MS = 10_000;

/** Why server reads are paused: bits, so that two reasons never resume each other's pause. */
const CLIENT_FULL = 1;
const HOLDING = 2;

export interface RelaySinks {
  readonly frontend: FrameSink;
  readonly backend: FrameSink;
  readonly frontendCapture: Int32Array;
  readonly backendCapture: Int32Array;
  readonly frontendCodes: Uint8Array;
}

export interface RelayEvents {
  /** The client's bytes broke the protocol (a FrameError) or the server's could not be followed. */
  frameError(error: unknown, fromServer: boolean): void;
  /** A reply was held back this long for a snapshot. */
  replyHeld(seconds: number): void;
}

export class Relay {
  private readonly frontend: FrameTracker;
  private readonly backend: FrameTracker;
  private upstream: Socket | TLSSocket | undefined;
  private serverPause = 0;
  private clientPaused = false;
  private readBuffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  /** The read buffer is referenced by a write not yet flushed. */
  private lent = false;
  private hold: Promise<void> | undefined;
  /** Requested while the current client chunk was read: hold it (and what follows) until this settles. */
  private clientGate: Promise<void> | undefined;
  /** Client bytes waiting for a gate, in order; undefined when none is closed. */
  private heldFromClient: Buffer[] | undefined;
  /** Until authentication is over: hides SCRAM-SHA-256-PLUS (see channel-binding.ts). */
  private channelBinding: ChannelBindingFilter | undefined = new ChannelBindingFilter();
  private stopped = false;
  bytesFromClient = 0;
  bytesFromServer = 0;
  /** Replaced once the session authenticated and its labels are known. */
  metrics: SessionMetrics = NO_SESSION_METRICS;

  /** For net.connect's `onread`: server bytes land in readBuffer. */
  readonly upstreamReads: OnReadOpts = {
    buffer: () => this.nextReadBuffer(),
    callback: (bytes, buffer) => this.readIntoBuffer(bytes, buffer as Buffer),
  };
  private readonly onClientData = (chunk: Buffer): void => this.fromClient(chunk);
  private readonly onServerData = (chunk: Buffer): void => this.fromServer(chunk, false);
  private readonly onClientDrain = (): void => this.resumeServer(CLIENT_FULL);
  private readonly onUpstreamDrain = (): void => this.resumeClient();

  constructor(
    private readonly client: Socket | TLSSocket,
    sinks: RelaySinks,
    private readonly events: RelayEvents,
  ) {
    this.frontend = new FrameTracker({ capture: sinks.frontendCapture, validCodes: sinks.frontendCodes, sink: sinks.frontend });
    this.backend = new FrameTracker({ capture: sinks.backendCapture, sink: sinks.backend });
  }

  /** True between server messages: the client can be sent an ErrorResponse of ours. */
  get serverAtBoundary(): boolean {
    return this.backend.atBoundary;
  }

  /**
   * Starts relaying: `readsIntoBuffer` says the upstream socket was made
   * with `upstreamReads` (else its 'data' events are used, e.g. for TLS);
   * `pending` is what the client sent after its StartupMessage.
   */
  start(upstream: Socket | TLSSocket, readsIntoBuffer: boolean, pending: Buffer): void {
    this.upstream = upstream;
    if (!readsIntoBuffer) upstream.on('data', this.onServerData);
    upstream.on('drain', this.onUpstreamDrain);
    this.client.on('data', this.onClientData);
    this.client.on('drain', this.onClientDrain);
    if (pending.length > 0) this.fromClient(pending);
    if (!this.stopped && this.heldFromClient === undefined) this.client.resume();
  }

  /** Holds the chunk that ends the current server read until `until` settles (see forwardHeld). */
  holdNextReply(until: Promise<void>): void {
    this.hold = until;
  }

  /** Holds the client chunk being read, and everything after it, until `until` settles (bounded like a reply hold). */
  holdClientBytes(until: Promise<void>): void {
    this.clientGate = this.clientGate ? Promise.all([this.clientGate, until]).then(() => undefined) : until;
  }

  /** No more forwarding (the session is closing). */
  stop(): void {
    this.stopped = true;
    this.client.removeListener('data', this.onClientData);
  }

  private fromClient(chunk: Buffer): void {
    try {
      this.frontend.push(chunk);
    } catch (error) {
      this.events.frameError(error, false);
      return;
    }
    this.bytesFromClient += chunk.length;
    this.metrics.bytesFromClient(chunk.length);
    if (this.heldFromClient !== undefined || this.clientGate !== undefined) {
      this.holdFromClient(chunk);
      return;
    }
    if (!this.upstream!.write(chunk) && !this.clientPaused) {
      this.clientPaused = true;
      this.client.pause();
    }
  }

  /** Queues a client chunk behind the gate; the first one opens the wait (client reads paused meanwhile). */
  private holdFromClient(chunk: Buffer): void {
    if (this.heldFromClient !== undefined) {
      this.heldFromClient.push(chunk);
      return;
    }
    this.heldFromClient = [chunk];
    this.client.pause();
    void this.openGates();
  }

  /** Waits for every gate requested meanwhile, then forwards the held chunks in order. */
  private async openGates(): Promise<void> {
    for (let gate = this.clientGate; gate !== undefined; gate = this.clientGate) {
      this.clientGate = undefined;
      await bounded(gate);
    }
    const chunks = this.heldFromClient ?? [];
    this.heldFromClient = undefined;
    if (this.stopped) return;
    let full = false;
    for (const chunk of chunks) if (!this.upstream!.write(chunk)) full = true;
    // Full: the upstream's drain resumes the client (resumeClient).
    this.clientPaused = full;
    if (!full) this.client.resume();
  }

  private resumeClient(): void {
    if (!this.clientPaused || this.stopped || this.heldFromClient !== undefined) return;
    this.clientPaused = false;
    this.client.resume();
  }

  /** Returns true: pausing is done by pauseServer, never by this return value. */
  private readIntoBuffer(bytes: number, buffer: Buffer): boolean {
    this.fromServer(buffer.subarray(0, bytes), true);
    // Queued or partly written: the write still points into this buffer.
    if (this.client.writableLength > 0) this.lent = true;
    return true;
  }

  private nextReadBuffer(): Buffer {
    if (this.lent) {
      this.lent = false;
      this.readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
    }
    return this.readBuffer;
  }

  private fromServer(received: Buffer, reusedBuffer: boolean): void {
    if (this.stopped) return;
    let chunk = received;
    try {
      if (this.channelBinding !== undefined) {
        chunk = this.channelBinding.push(received);
        if (this.channelBinding.done) this.channelBinding = undefined;
        if (chunk.length === 0) return;
      }
      this.backend.push(chunk);
    } catch (error) {
      this.events.frameError(error, true);
      return;
    }
    this.bytesFromServer += chunk.length;
    this.metrics.bytesFromServer(chunk.length);
    const hold = this.hold;
    if (hold !== undefined) {
      this.hold = undefined;
      this.forwardHeld(hold, reusedBuffer ? Buffer.from(chunk) : chunk);
      return;
    }
    if (!this.client.write(chunk)) this.pauseServer(CLIENT_FULL);
  }

  /**
   * Holds a ReadyForQuery (the end of this chunk) until the recorder has
   * read the catalog: after a transaction with schema changes, so the
   * snapshot holds exactly its result and not the client's next change; and
   * at the first session of a new database, so the baseline is read before
   * the client changes anything. Bounded by SNAPSHOT_HOLD_MS.
   */
  private forwardHeld(hold: Promise<void>, chunk: Buffer): void {
    this.pauseServer(HOLDING);
    const heldSince = performance.now();
    void bounded(hold).then(() => {
      this.events.replyHeld((performance.now() - heldSince) / 1000);
      if (this.stopped) return;
      if (!this.client.write(chunk)) this.pauseServer(CLIENT_FULL);
      this.resumeServer(HOLDING);
    });
  }

  private pauseServer(reason: number): void {
    if (this.serverPause === 0) this.upstream!.pause();
    this.serverPause |= reason;
  }

  private resumeServer(reason: number): void {
    if ((this.serverPause & reason) === 0) return;
    this.serverPause &= ~reason;
    if (this.serverPause === 0 && !this.stopped) this.upstream!.resume();
  }
}

/** Settles when `hold` does (failed or not), or after SNAPSHOT_HOLD_MS. */
async function bounded(hold: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SNAPSHOT_HOLD_MS);
    timer.unref();
  });
  await Promise.race([hold.catch(() => undefined), timeout]);
  clearTimeout(timer);
}
