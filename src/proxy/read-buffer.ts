// The buffer one direction of the relay reads into (net's `onread`): the
// same memory read after read, which saves an allocation and the stream
// machinery per chunk. The rule that makes reuse safe: a buffer that a
// pending write (or a held chunk) still refers to is lent, and the next read
// gets a new buffer instead.

/** What one read may take (Node's own default). */
export const READ_BUFFER_SIZE = 64 * 1024;

export class ReusedReadBuffer {
  private buffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  private lent = false;

  /** The buffer the next read goes into. */
  next(): Buffer {
    if (this.lent) {
      this.lent = false;
      this.buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
    }
    return this.buffer;
  }

  /** The bytes last read are still referred to: never read into this buffer again. */
  lend(): void {
    this.lent = true;
  }
}
