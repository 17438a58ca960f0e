// The startup phase has untyped packets (length, then a code or protocol
// version): SSLRequest, GSSENCRequest, CancelRequest and StartupMessage.
// They are small and must be read whole, so this one buffers.
import { MAX_STARTUP_PACKET_LENGTH } from './codes.js';
import { FrameError } from './frame-error.js';

export interface StartupPacket {
  /** The whole packet, length included. */
  readonly packet: Buffer;
  /** The int32 after the length: a request code or a protocol version. */
  readonly code: number;
  /** Bytes that followed the packet in the same read. */
  readonly rest: Buffer;
}

export class StartupReader {
  private pending: Buffer | undefined;

  /** Returns the next complete packet, or undefined until more bytes arrive. */
  push(chunk: Buffer): StartupPacket | undefined {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (data.length < 8) {
      this.pending = data;
      if (data.length >= 4) checkLength(data.readInt32BE(0));
      return undefined;
    }
    const length = data.readInt32BE(0);
    checkLength(length);
    if (data.length < length) {
      this.pending = data;
      return undefined;
    }
    this.pending = undefined;
    return { packet: data.subarray(0, length), code: data.readInt32BE(4), rest: data.subarray(length) };
  }
}

function checkLength(length: number): void {
  if (length < 8 || length > MAX_STARTUP_PACKET_LENGTH) {
    throw new FrameError('LENGTH_OUT_OF_RANGE', `invalid length of startup packet: ${length}`);
  }
}
