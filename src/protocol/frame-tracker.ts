// Follows message boundaries in one direction of a connection across chunk
// edges. It never holds the bytes being forwarded: the caller forwards each
// chunk whole. Only messages whose type the caller asked for are handed out,
// as a range of the chunk when they fit in it, else of a copy (bounded by the
// capture size). A range, not a view: most messages the proxy follows are
// read for a byte or two (or not at all), and a view per message costs an
// allocation on every request and reply.
import { MAX_MESSAGE_LENGTH } from './codes.js';
import { FrameError } from './frame-error.js';

/** Not interested in this message type. */
export const SKIP = -1;

export interface FrameSink {
  /**
   * A message of an interesting type. Its first min(bodyLength, captureLimit)
   * body bytes are `bytes[start, end)`; they are borrowed: copy what must
   * outlive the call.
   */
  onMessage(code: number, bytes: Buffer, start: number, end: number, bodyLength: number): void;
}

export interface FrameTrackerOptions {
  /** Capture limit per type byte: SKIP, or the most body bytes to hand out. */
  readonly capture: Int32Array;
  readonly sink: FrameSink;
  /** Reject a type byte whose entry here is 0 (client direction). */
  readonly validCodes?: Uint8Array;
  readonly maxLength?: number;
}

const EMPTY = Buffer.alloc(0);
const HEADER_LENGTH = 5;

export class FrameTracker {
  private readonly capture: Int32Array;
  private readonly sink: FrameSink;
  private readonly validCodes: Uint8Array | undefined;
  private readonly maxLength: number;

  private readonly header = Buffer.alloc(HEADER_LENGTH);
  private headerFill = 0;
  private code = 0;
  private bodyLength = 0;
  /** Body bytes of the current message not yet seen. */
  private remaining = 0;
  /** Copy of a captured body that spans chunks. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  /** Offset in the chunk being pushed where the current message's type byte is; -1: an earlier chunk. */
  private start = -1;

  constructor(options: FrameTrackerOptions) {
    this.capture = options.capture;
    this.sink = options.sink;
    this.validCodes = options.validCodes;
    this.maxLength = options.maxLength ?? MAX_MESSAGE_LENGTH;
  }

  /** True between messages: nothing of a message has been seen partially. */
  get atBoundary(): boolean {
    return this.remaining === 0 && this.headerFill === 0;
  }

  /**
   * During a sink call: where the message handed out starts in the chunk
   * being pushed (its type byte), or -1 when it started in an earlier chunk.
   */
  get messageStart(): number {
    return this.start;
  }

  /** A message's 5-byte header has begun but not ended: its type and length are not known yet. */
  get inHeader(): boolean {
    return this.headerFill > 0;
  }

  /** Body length of the message in progress (or of the last one). */
  get currentBodyLength(): number {
    return this.bodyLength;
  }

  /** Type byte of the message in progress (or of the last one). */
  get currentCode(): number {
    return this.code;
  }

  /** Throws FrameError on a bad length or type; the session must then end. */
  push(chunk: Buffer): void {
    const end = chunk.length;
    let offset = 0;
    this.start = -1;
    while (offset < end) {
      if (this.remaining > 0) {
        offset = this.continueBody(chunk, offset);
        continue;
      }
      if (this.headerFill === 0 && end - offset >= HEADER_LENGTH) {
        this.start = offset;
        this.startMessage(chunk[offset]!, chunk.readInt32BE(offset + 1));
        offset += HEADER_LENGTH;
      } else {
        this.start = this.headerFill === 0 ? offset : -1;
        const take = Math.min(HEADER_LENGTH - this.headerFill, end - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < HEADER_LENGTH) return;
        this.headerFill = 0;
        this.startMessage(this.header[0]!, this.header.readInt32BE(1));
      }
      if (this.remaining === 0) {
        this.emitEmpty();
      } else {
        offset = this.firstBody(chunk, offset);
      }
    }
  }

  private startMessage(code: number, length: number): void {
    if (this.validCodes !== undefined && this.validCodes[code] === 0) {
      throw new FrameError('UNKNOWN_MESSAGE_TYPE', `invalid message type 0x${code.toString(16).padStart(2, '0')}`);
    }
    if (length < 4 || length > this.maxLength) {
      throw new FrameError('LENGTH_OUT_OF_RANGE', `invalid message length ${length} for type 0x${code.toString(16)}`);
    }
    this.code = code;
    this.bodyLength = length - 4;
    this.remaining = this.bodyLength;
  }

  private emitEmpty(): void {
    if (this.capture[this.code]! !== SKIP) this.sink.onMessage(this.code, EMPTY, 0, 0, 0);
  }

  /** The first body bytes of a message are in this chunk at offset. */
  private firstBody(chunk: Buffer, offset: number): number {
    const limit = this.capture[this.code]!;
    const available = chunk.length - offset;
    if (limit === SKIP) return this.skip(available, offset);
    const want = Math.min(limit, this.bodyLength);
    if (available >= want) {
      // Common case: the part we read is inside this chunk, hand out its range.
      this.sink.onMessage(this.code, chunk, offset, offset + want, this.bodyLength);
      return this.skip(available, offset);
    }
    this.partial = Buffer.allocUnsafe(want);
    this.partialFill = 0;
    return this.continueBody(chunk, offset);
  }

  private continueBody(chunk: Buffer, offset: number): number {
    const available = chunk.length - offset;
    const partial = this.partial;
    if (partial === undefined) return this.skip(available, offset);
    const take = Math.min(partial.length - this.partialFill, available);
    chunk.copy(partial, this.partialFill, offset, offset + take);
    this.partialFill += take;
    if (this.partialFill === partial.length) {
      this.partial = undefined;
      this.sink.onMessage(this.code, partial, 0, partial.length, this.bodyLength);
    }
    return this.skip(available, offset);
  }

  private skip(available: number, offset: number): number {
    const take = Math.min(this.remaining, available);
    this.remaining -= take;
    return offset + take;
  }
}

/** A capture table that skips every type except those listed. */
export function captureTable(entries: ReadonlyArray<readonly [code: number, limit: number]>): Int32Array {
  const table = new Int32Array(256).fill(SKIP);
  for (const [code, limit] of entries) table[code] = limit;
  return table;
}
