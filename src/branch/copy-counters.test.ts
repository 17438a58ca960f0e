import { describe, expect, it } from 'vitest';
import { BinaryRowCounter } from './copy-counters.js';

function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function field(value: Buffer | null): Buffer {
  return value === null ? int32(-1) : Buffer.concat([int32(value.length), value]);
}

/** A binary COPY stream: header with a 3-byte extension, the rows, the trailer. */
function binaryCopy(rows: Array<Array<Buffer | null>>): Buffer {
  const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(0), int32(3), Buffer.from('ext')]);
  const body = rows.map((row) => Buffer.concat([int16(row.length), ...row.map(field)]));
  return Buffer.concat([header, ...body, int16(-1)]);
}

describe('BinaryRowCounter', () => {
  // A field whose bytes look like a trailer (ff ff) or a count must not be read as one.
  const stream = binaryCopy([
    [Buffer.from('alice'), null, Buffer.alloc(0)],
    [Buffer.from([0xff, 0xff, 0xff, 0xff]), int32(7), Buffer.from('x'.repeat(300))],
    [],
    [null, null, null],
  ]);

  it('counts the rows of a stream split at every offset', () => {
    for (let at = 0; at <= stream.length; at++) {
      const counter = new BinaryRowCounter();
      counter.count(stream.subarray(0, at));
      counter.count(stream.subarray(at));
      expect(counter.rows, `split at ${at}`).toBe(4);
    }
  });

  it('counts the rows of a stream fed one byte at a time', () => {
    const counter = new BinaryRowCounter();
    for (let at = 0; at < stream.length; at++) counter.count(stream.subarray(at, at + 1));
    expect(counter.rows).toBe(4);
  });

  it('counts rows while they arrive, before the trailer', () => {
    const counter = new BinaryRowCounter();
    counter.count(stream.subarray(0, stream.length - 40));
    expect(counter.rows).toBe(2);
  });
});
