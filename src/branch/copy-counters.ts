// Rows and bytes of a COPY stream as it passes, whatever the chunking: text
// COPY ends every row with a newline (newlines inside values are escaped);
// binary COPY is a header, then per row a 16-bit field count and per field
// a 32-bit length (-1 for NULL) and the bytes, then a -1 trailer.
import { Transform, type TransformCallback } from 'node:stream';

export interface CopyCounter {
  readonly rows: number;
  readonly bytes: number;
}

export class TextRowCounter extends Transform implements CopyCounter {
  rows = 0;
  bytes = 0;

  /** onChunk: told after each chunk is counted (progress). */
  constructor(private readonly onChunk: () => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    let at = chunk.indexOf(10);
    while (at >= 0) {
      this.rows++;
      at = chunk.indexOf(10, at + 1);
    }
    this.onChunk();
    callback(null, chunk);
  }
}

/** Signature (11), flags (4), header extension length (4). */
const HEADER_BYTES = 19;

type BinaryState = 'header' | 'extension' | 'fieldCount' | 'fieldLength' | 'fieldData' | 'trailer';

export class BinaryRowCounter extends Transform implements CopyCounter {
  rows = 0;
  bytes = 0;
  private state: BinaryState = 'header';
  /** Bytes of a fixed-size part (header, count, length) gathered across chunks. */
  private partial = Buffer.alloc(HEADER_BYTES);
  private have = 0;
  /** Bytes still to skip (extension or field data). */
  private skip = 0;
  private fieldsLeft = 0;

  constructor(private readonly onChunk: () => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.count(chunk);
    this.onChunk();
    callback(null, chunk);
  }

  /** Exposed for tests: feeds bytes without the stream. */
  count(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.state !== 'trailer') {
      if (this.state === 'extension' || this.state === 'fieldData') {
        const taken = Math.min(this.skip, chunk.length - at);
        at += taken;
        this.skip -= taken;
        if (this.skip === 0) this.afterSkip();
        continue;
      }
      const need = this.state === 'header' ? HEADER_BYTES : this.state === 'fieldCount' ? 2 : 4;
      if (this.have === 0 && need < HEADER_BYTES && chunk.length - at >= need) {
        // The common case, read in place: the whole count or length is in this chunk.
        this.fixedPart(need === 2 ? chunk.readInt16BE(at) : chunk.readInt32BE(at));
        at += need;
        continue;
      }
      const taken = Math.min(need - this.have, chunk.length - at);
      chunk.copy(this.partial, this.have, at, at + taken);
      this.have += taken;
      at += taken;
      if (this.have === need) {
        this.have = 0;
        if (this.state === 'header') this.header();
        else this.fixedPart(need === 2 ? this.partial.readInt16BE(0) : this.partial.readInt32BE(0));
      }
    }
  }

  private header(): void {
    this.skip = this.partial.readUInt32BE(15);
    this.state = 'extension';
    if (this.skip === 0) this.afterSkip();
  }

  /** A field count (state fieldCount) or a field's length (fieldLength). */
  private fixedPart(value: number): void {
    if (this.state === 'fieldCount') {
      if (value < 0) {
        this.state = 'trailer';
        return;
      }
      this.rows++;
      this.fieldsLeft = value;
      this.state = value === 0 ? 'fieldCount' : 'fieldLength';
    } else {
      this.fieldsLeft--;
      if (value > 0) {
        this.skip = value;
        this.state = 'fieldData';
      } else {
        this.state = this.fieldsLeft === 0 ? 'fieldCount' : 'fieldLength';
      }
    }
  }

  private afterSkip(): void {
    this.state = this.state === 'extension' || this.fieldsLeft === 0 ? 'fieldCount' : 'fieldLength';
  }
}
