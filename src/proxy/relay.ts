// The hot path: bytes in both directions once the session is set up. Every
// chunk is forwarded whole the moment it arrives; a frame tracker per
// direction hands the observer the few messages it reads. This class is the
// one owner of backpressure (a full socket on either side pauses the other
// side's reads) and of the two holds: a ReadyForQuery held back until the
// recorder has read the catalog, and client bytes held back until the
// recorder holds the schema-change lock (before a statement that may be DDL).
//
// Both directions are read into reused buffers (net's `onread`, see
// read-buffer.ts) when the sockets allow it (no TLS), which saves an
// allocation and the stream machinery per read. A buffer that a pending write
// or a held chunk still refers to is never read into again.
import type { OnReadOpts, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { FrameTracker, FrontendCode, type FrameSink } from '../protocol/index.js';
import { NO_SESSION_METRICS, type SessionMetrics } from '../metrics/index.js';
import { ChannelBindingFilter } from './channel-binding.js';
import { readDirectly } from './direct-read.js';
import { directWriter, streamWriter, type SideWriter } from './direct-write.js';
import { ReusedReadBuffer } from './read-buffer.js';
import { assemble, bounded, edited, type Gate, type GateDecision, type ServerEdit } from './relay-edits.js';

/** A longer Query or Parse is read only in part (see traffic-observer.ts): it goes as it comes. */
const MAX_HELD_STATEMENT = 16 * 1024 * 1024;

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

/** One side's socket, and whether it was made with the relay's onread (clientReads / upstreamReads). */
export interface SideSocket {
  readonly socket: Socket | TLSSocket;
  readonly readsIntoBuffer: boolean;
}

export class Relay {
  private readonly frontend: FrameTracker;
  private readonly backend: FrameTracker;
  private upstream: Socket | TLSSocket | undefined;
  private serverPause = 0;
  private clientPaused = false;
  private client: Socket | TLSSocket | undefined;
  /** How relayed bytes are written to each side (see direct-write.ts). */
  private clientWriter: SideWriter | undefined;
  private upstreamWriter: SideWriter | undefined;
  private readonly serverBuffer = new ReusedReadBuffer();
  private readonly clientBuffer = new ReusedReadBuffer();
  private hold: Promise<void> | undefined;
  /** Requested while the current client chunk was read: hold it (and what follows) until this settles. */
  private clientGate: Promise<void> | undefined;
  /** Until authentication is over: hides SCRAM-SHA-256-PLUS (see channel-binding.ts). */
  private channelBinding: ChannelBindingFilter | undefined = new ChannelBindingFilter();
  private stopped = false;
  /** Gates set by the frontend sink while the current client chunk was pushed. */
  private gates: Gate[] | undefined;
  /** Client chunks that arrived while a gate's decision was pending (forwarded in order after it). */
  private waiting: Buffer[] | undefined;
  /**
   * The start of a Query or Parse (or of a header) that the last client read
   * did not complete, kept back so that a gate can still replace the whole
   * message (only while statements are held, i.e. the guard is on).
   */
  private held: Buffer[] | undefined;
  /** Bytes in `held`. */
  private heldBytes = 0;
  /** Length of `held` while the chunk that continues it is pushed (gate offsets count from held's start). */
  private heldLength = 0;
  /** Keep incomplete Query and Parse messages back (the guard may deny them). */
  holdsStatements = false;
  /** Length of the client chunk being pushed. */
  private pushedLength = 0;
  /** Set by holdLaterClientBytes: the client chunks after the held one wait for it. */
  private laterGate: Promise<void> | undefined;
  /** A server chunk is held back (forwardHeld). */
  private holding = false;
  /** While pggit's own queries run on the connection: every server byte goes here, none to the client. */
  private diverted: ((chunk: Buffer) => void) | undefined;
  /** Messages of the proxy's own for the client, sent at the next server message boundary. */
  private toClient: Buffer[] | undefined;
  /** Set by the backend sink while the current server chunk was pushed (see replaceServerMessage). */
  private serverEdits: ServerEdit[] | undefined;
  bytesFromClient = 0;
  bytesFromServer = 0;
  /** Replaced once the session authenticated and its labels are known. */
  metrics: SessionMetrics = NO_SESSION_METRICS;

  /** For net.connect's `onread`: server bytes land in a reused buffer. */
  readonly upstreamReads: OnReadOpts = {
    buffer: () => this.serverBuffer.next(),
    callback: (bytes, buffer) => this.serverRead(bytes, buffer as Buffer),
  };
  /** For the client socket's `onread` (see client-handle.ts): client bytes land in a reused buffer. */
  readonly clientReads: OnReadOpts = {
    buffer: () => this.clientBuffer.next(),
    callback: (bytes, buffer) => this.clientRead(bytes, buffer as Buffer),
  };
  private readonly onClientData = (chunk: Buffer): void => this.fromClient(chunk);
  private readonly onServerData = (chunk: Buffer): void => this.fromServer(chunk, false);
  private readonly onClientDrain = (): void => this.resumeServer(CLIENT_FULL);
  private readonly onUpstreamDrain = (): void => this.resumeClient();

  constructor(
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
   * Starts relaying. Each side's `readsIntoBuffer` says its socket was made
   * with `clientReads` / `upstreamReads` (else its 'data' events are used,
   * e.g. for TLS); `pending` is what the client sent after its
   * StartupMessage that no read here will deliver again.
   */
  start(client: SideSocket, upstream: SideSocket, pending: Buffer): void {
    const clientSocket = (this.client = client.socket);
    const upstreamSocket = (this.upstream = upstream.socket);
    this.clientWriter = writerFor(clientSocket, this.onClientDrain);
    this.upstreamWriter = writerFor(upstreamSocket, this.onUpstreamDrain);
    if (!upstream.readsIntoBuffer) upstreamSocket.on('data', this.onServerData);
    else readDirectly(upstreamSocket, this.upstreamReads);
    upstreamSocket.on('drain', this.onUpstreamDrain);
    if (!client.readsIntoBuffer) clientSocket.on('data', this.onClientData);
    else readDirectly(clientSocket, this.clientReads);
    clientSocket.on('drain', this.onClientDrain);
    if (pending.length > 0) this.fromClient(pending);
    if (!this.stopped && this.waiting === undefined && !this.clientPaused) clientSocket.resume();
  }

  /**
   * Holds the chunk that ends the current server read until `until` settles
   * (see forwardHeld): bounded, unless `unbounded` (pggit's own queries run
   * on the connection meanwhile, see divertServer).
   */
  holdNextReply(until: Promise<void>, unbounded = false): void {
    const gate = unbounded ? until.catch(() => undefined) : bounded(until);
    // Two reasons to hold (a snapshot, the guard's lock check) both must end.
    this.hold = this.hold === undefined ? gate : Promise.all([this.hold, gate]).then(() => undefined);
  }

  /**
   * Called by the frontend sink from inside its onMessage: the message being
   * handed out is forwarded only as `decision` says (the guard's denial
   * replaces it). False when the message is not wholly in the current chunk
   * (its start was already forwarded): it goes as it came.
   */
  gateCurrentMessage(bodyLength: number, decision: GateDecision | Promise<GateDecision>): boolean {
    const inChunk = this.frontend.messageStart;
    // A message that began in an earlier read is gateable only if its start was held back.
    const start = inChunk >= 0 ? this.heldLength + inChunk : this.heldLength > 0 ? 0 : -1;
    if (start < 0) return false;
    (this.gates ??= []).push({ start, end: start + 5 + bodyLength, decision });
    return true;
  }

  /**
   * Called by the backend sink from inside its onMessage: the server message
   * being handed out reaches the client as `replacement()` decides when its
   * chunk is forwarded, after any hold (bytes replace it; undefined leaves
   * it). False when the message began in an earlier, already forwarded chunk.
   */
  replaceServerMessage(bodyLength: number, replacement: () => GateDecision): boolean {
    const start = this.backend.messageStart;
    if (start < 0) return false;
    (this.serverEdits ??= []).push({ start, end: start + 5 + bodyLength, replacement });
    return true;
  }

  /**
   * Called by the frontend sink from inside its onMessage, for a client
   * message that is its chunk whole (clientMessageIsWholeChunk): `bytes` go
   * to the server right before it, in the same write.
   */
  precedeClientMessage(bytes: Buffer): void {
    (this.gates ??= []).push({ start: 0, end: 0, decision: bytes });
  }

  /** A message of the proxy's own (a guard warning) for the client, sent before the next server message. */
  sendToClient(message: Buffer): void {
    (this.toClient ??= []).push(message);
  }

  /**
   * Holds the client chunk being read, and everything after it, until
   * `until` settles: bounded like a reply hold, unless `unbounded` (the
   * caller's own queries are on the connection, and the client's bytes must
   * not go before their answers are in).
   */
  holdClientBytes(until: Promise<void>, unbounded = false): void {
    const gate = unbounded ? until.catch(() => undefined) : bounded(until);
    this.clientGate = this.clientGate ? Promise.all([this.clientGate, gate]).then(() => undefined) : gate;
  }

  /** With holdClientBytes or precedeClientMessage: once the chunk being read went, the client's next chunks wait for `until` (unbounded). */
  holdLaterClientBytes(until: Promise<void>): void {
    this.laterGate = until.catch(() => undefined);
  }

  /** The client message being read is its chunk, whole: nothing before or after it in the read. */
  get clientMessageIsWholeChunk(): boolean {
    return this.clientMessageStartsChunk && 5 + this.frontend.currentBodyLength === this.pushedLength;
  }

  /** The client message being read is the first of its chunk (nothing before it in the chunk was forwarded or is held). */
  get clientMessageStartsChunk(): boolean {
    return this.frontend.messageStart === 0 && this.heldLength === 0 && this.gates === undefined;
  }

  /**
   * Runs queries of pggit's own on the connection: `write` sends their bytes
   * to the server, and every server byte goes to `sink` (a copy) until the
   * returned function is called. Only while the server owes the client
   * nothing and the client's bytes are held (holdClientBytes).
   */
  divertServer(sink: (chunk: Buffer) => void): { write: (bytes: Buffer) => void; end: () => void; endWith: (bytes: Buffer) => void } {
    this.diverted = sink;
    // A reply held meanwhile (the statement before the queries) must not keep their answers out.
    this.resumeServer(HOLDING);
    return {
      write: (bytes) => {
        if (!this.stopped) this.upstream!.write(bytes);
      },
      end: () => {
        if (this.diverted !== sink) return;
        this.diverted = undefined;
        if (this.holding) this.pauseServer(HOLDING);
      },
      // Ends the diversion: `bytes`, from a server message boundary on, go on as if they had just come from the server (a FATAL error, the client's replies after ours).
      endWith: (bytes) => {
        if (this.diverted !== sink) return;
        this.diverted = undefined;
        this.fromServer(bytes, false);
      },
    };
  }

  /** No more forwarding (the session is closing). */
  stop(): void {
    this.stopped = true;
    // Reads go on (to see the client close) and are dropped; onread ones in clientRead.
    this.client?.removeListener('data', this.onClientData);
  }

  /** Returns true: pausing is done by pause(), never by this return value. */
  private clientRead(bytes: number, buffer: Buffer): boolean {
    if (this.stopped) return true;
    this.fromClient(buffer.subarray(0, bytes));
    // Queued or partly written, or kept back: something still points into this buffer.
    if (this.upstreamWriter!.busy || this.held !== undefined || this.waiting !== undefined) this.clientBuffer.lend();
    return true;
  }

  private fromClient(chunk: Buffer): void {
    if (this.waiting !== undefined) {
      this.waiting.push(chunk);
      return;
    }
    const held = this.held;
    const heldLength = this.heldBytes;
    this.heldLength = heldLength;
    this.pushedLength = chunk.length;
    try {
      this.frontend.push(chunk);
    } catch (error) {
      this.events.frameError(error, false);
      return;
    } finally {
      this.heldLength = 0;
    }
    this.bytesFromClient += chunk.length;
    this.metrics.bytesFromClient(chunk.length);
    const keep = this.holdsStatements && !this.frontend.atBoundary ? this.incompleteStatementStart(heldLength) : -1;
    if (held !== undefined && keep === 0 && this.gates === undefined && this.clientGate === undefined) {
      // The held statement goes on past this read: keep the pieces, join them once (a long statement arrives in many reads).
      held.push(chunk);
      this.heldBytes += chunk.length;
      return;
    }
    let out = held === undefined ? chunk : Buffer.concat([...held, chunk], heldLength + chunk.length);
    this.held = undefined;
    this.heldBytes = 0;
    if (keep >= 0) {
      const rest = out.subarray(keep);
      this.held = [rest];
      this.heldBytes = rest.length;
      out = out.subarray(0, keep);
    }
    const gates = this.gates;
    const until = this.clientGate;
    if (gates !== undefined || until !== undefined) {
      this.gates = undefined;
      this.clientGate = undefined;
      this.forwardGated(out, gates ?? [], until);
      return;
    }
    if (out.length > 0) this.writeUpstream(out);
  }

  /**
   * Where the client message still incomplete after this read starts in the
   * bytes about to be forwarded (held ones first), if it is a Query or Parse
   * the guard may yet replace, or a header not yet known; -1: forward all.
   */
  private incompleteStatementStart(heldLength: number): number {
    const frames = this.frontend;
    const inChunk = frames.messageStart;
    const start = inChunk >= 0 ? heldLength + inChunk : heldLength > 0 ? 0 : -1;
    if (start < 0 || frames.inHeader) return start;
    const code = frames.currentCode;
    const statement = code === FrontendCode.Query || code === FrontendCode.Parse;
    return statement && frames.currentBodyLength <= MAX_HELD_STATEMENT ? start : -1;
  }

  private writeUpstream(chunk: Buffer): void {
    if (!this.upstreamWriter!.write(chunk) && !this.clientPaused) {
      this.clientPaused = true;
      this.client!.pause();
    }
  }

  /**
   * A chunk with gated messages, or held (`until`, see holdClientBytes):
   * forwarded once every decision is known and `until` settled;
   * later chunks wait their turn.
   */
  private forwardGated(chunk: Buffer, gates: readonly Gate[], until?: Promise<void>): void {
    if (until === undefined && this.laterGate === undefined && !gates.some((gate) => gate.decision instanceof Promise)) {
      this.writeUpstream(assemble(chunk, gates, gates.map((gate) => gate.decision as GateDecision)));
      return;
    }
    this.waiting = [];
    this.client!.pause();
    const decided = gates.map((gate) => Promise.resolve(gate.decision).catch(() => undefined));
    void Promise.all([Promise.all(decided), until]).then(async ([decisions]) => {
      if (this.stopped) return;
      this.writeUpstream(assemble(chunk, gates, decisions));
      const later = this.laterGate;
      this.laterGate = undefined;
      // Chunks that arrive meanwhile go on queuing in `waiting`.
      if (later !== undefined) await later;
      if (this.stopped) return;
      const queued = this.waiting ?? [];
      this.waiting = undefined;
      while (queued.length > 0) {
        this.fromClient(queued.shift()!);
        if (this.waiting !== undefined) {
          (this.waiting as Buffer[]).push(...queued);
          return;
        }
      }
      if (!this.clientPaused && !this.stopped) this.client!.resume();
    });
  }

  private resumeClient(): void {
    if (!this.clientPaused || this.stopped) return;
    this.clientPaused = false;
    if (this.waiting === undefined) this.client!.resume();
  }

  /** Returns true: pausing is done by pauseServer, never by this return value. */
  private serverRead(bytes: number, buffer: Buffer): boolean {
    this.fromServer(buffer.subarray(0, bytes), true);
    // Queued or partly written: the write still points into this buffer.
    if (this.clientWriter!.busy) this.serverBuffer.lend();
    return true;
  }

  private fromServer(received: Buffer, reusedBuffer: boolean): void {
    if (this.stopped) return;
    let chunk = received;
    let startsAtBoundary = false;
    try {
      if (this.channelBinding !== undefined) {
        chunk = this.channelBinding.push(received);
        if (this.channelBinding.done) this.channelBinding = undefined;
        if (chunk.length === 0) return;
      }
      if (this.diverted !== undefined) {
        this.diverted(reusedBuffer ? Buffer.from(chunk) : chunk);
        return;
      }
      startsAtBoundary = this.backend.atBoundary;
      this.backend.push(chunk);
    } catch (error) {
      this.events.frameError(error, true);
      return;
    }
    this.bytesFromServer += chunk.length;
    this.metrics.bytesFromServer(chunk.length);
    const edits = this.serverEdits;
    const hold = this.hold;
    if (hold !== undefined) {
      this.hold = undefined;
      this.serverEdits = undefined;
      this.forwardHeld(hold, reusedBuffer ? Buffer.from(chunk) : chunk, startsAtBoundary, edits);
      return;
    }
    if (edits !== undefined) {
      this.serverEdits = undefined;
      chunk = edited(chunk, edits);
    }
    // Our own messages go in only between two server messages.
    if (this.toClient !== undefined && startsAtBoundary) this.flushToClient();
    if (!this.clientWriter!.write(chunk)) this.pauseServer(CLIENT_FULL);
  }

  /**
   * Holds a ReadyForQuery (the end of this chunk) until the recorder has
   * read the catalog: after a transaction with schema changes, so the
   * snapshot holds exactly its result and not the client's next change; and
   * at the first session of a new database, so the baseline is read before
   * the client changes anything. Bounded by SNAPSHOT_HOLD_MS (see holdNextReply).
   */
  private forwardHeld(hold: Promise<void>, chunk: Buffer, startsAtBoundary: boolean, edits: readonly ServerEdit[] | undefined): void {
    this.pauseServer(HOLDING);
    this.holding = true;
    const heldSince = performance.now();
    void hold.then(() => {
      this.holding = false;
      this.events.replyHeld((performance.now() - heldSince) / 1000);
      if (this.stopped) return;
      if (this.toClient !== undefined && startsAtBoundary) this.flushToClient();
      const out = edits === undefined ? chunk : edited(chunk, edits);
      if (!this.clientWriter!.write(out)) this.pauseServer(CLIENT_FULL);
      this.resumeServer(HOLDING);
    });
  }

  private flushToClient(): void {
    const messages = this.toClient!;
    this.toClient = undefined;
    for (const message of messages) this.client!.write(message);
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

/** Plain TCP sockets are written to directly; others (TLS) through their stream. */
function writerFor(socket: Socket | TLSSocket, onDrain: () => void): SideWriter {
  return directWriter(socket, onDrain) ?? streamWriter(socket);
}
