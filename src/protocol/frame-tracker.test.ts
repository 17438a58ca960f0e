import { describe, expect, it } from 'vitest';
import { BackendCode, FrontendCode, FRONTEND_CODES, MAX_MESSAGE_LENGTH } from './codes.js';
import { FrameError } from './frame-error.js';
import { captureTable, FrameTracker, SKIP } from './frame-tracker.js';

interface Seen {
  readonly code: number;
  readonly body: Buffer;
  readonly bodyLength: number;
}

function message(code: number, body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.alloc(5);
  header[0] = code;
  header.writeInt32BE(4 + bytes.length, 1);
  return Buffer.concat([header, bytes]);
}

function header(code: number, length: number): Buffer {
  const bytes = Buffer.alloc(5);
  bytes[0] = code;
  bytes.writeInt32BE(length | 0, 1);
  return bytes;
}

/** A tracker whose sink copies each body (so chunks may be reused) and whether each was at a boundary. */
function tracker(capture: Int32Array, extra: { validCodes?: Uint8Array; maxLength?: number } = {}) {
  const seen: Seen[] = [];
  const frames = new FrameTracker({
    capture,
    sink: { onMessage: (code, bytes, start, end, bodyLength) => void seen.push({ code, body: Buffer.from(bytes.subarray(start, end)), bodyLength }) },
    ...extra,
  });
  return { frames, seen };
}

// A frontend stream: captured, skipped, zero-length and truncated-capture messages.
const CAPTURE = captureTable([
  [FrontendCode.Query, 1024],
  [FrontendCode.Sync, 16],
  [FrontendCode.Parse, 8],
  [FrontendCode.Execute, 0],
]);
const FIXTURE = [
  { code: FrontendCode.Query, body: Buffer.from('SELECT 1\0') },
  { code: FrontendCode.Bind, body: Buffer.from('\0\0\0\0\0\0\0\0') },
  { code: FrontendCode.Sync, body: Buffer.alloc(0) },
  { code: FrontendCode.Parse, body: Buffer.from('stmt\0CREATE TABLE t (id int)\0\0\0') },
  { code: FrontendCode.Flush, body: Buffer.alloc(0) },
  { code: FrontendCode.Execute, body: Buffer.from('\0\0\0\0\0') },
  { code: FrontendCode.Query, body: Buffer.from('SELECT 2\0') },
];
const STREAM = Buffer.concat(FIXTURE.map((m) => message(m.code, m.body)));
const EXPECTED: Seen[] = FIXTURE.filter((m) => CAPTURE[m.code] !== SKIP).map((m) => ({
  code: m.code,
  body: m.body.subarray(0, Math.min(CAPTURE[m.code]!, m.body.length)),
  bodyLength: m.body.length,
}));

function feed(cuts: readonly number[]): Seen[] {
  const { frames, seen } = tracker(CAPTURE);
  let start = 0;
  for (const cut of [...cuts, STREAM.length]) {
    frames.push(STREAM.subarray(start, cut));
    start = cut;
  }
  expect(frames.atBoundary).toBe(true);
  return seen;
}

describe('frame tracker', () => {
  it('reports the captured messages of a stream pushed in one chunk', () => {
    expect(feed([])).toEqual(EXPECTED);
  });

  it('reports the same messages when the stream is split at every offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) expect(feed([cut]), `cut at ${cut}`).toEqual(EXPECTED);
  });

  it('reports the same messages when the stream is split at every pair of offsets', () => {
    for (let a = 1; a < STREAM.length; a++) {
      for (let b = a; b < STREAM.length; b++) expect(feed([a, b]), `cuts at ${a}, ${b}`).toEqual(EXPECTED);
    }
  });

  it('reports the same messages when the stream arrives one byte at a time', () => {
    expect(feed(Array.from({ length: STREAM.length }, (_, i) => i))).toEqual(EXPECTED);
  });

  it('is at a boundary exactly between messages and knows the type in progress', () => {
    const { frames } = tracker(CAPTURE);
    const ends = new Set<number>();
    const headerEnds = new Map<number, number>();
    let offset = 0;
    for (const m of FIXTURE) {
      headerEnds.set(offset + 5, m.code);
      ends.add((offset += 5 + m.body.length));
    }
    for (let i = 1; i <= STREAM.length; i++) {
      frames.push(STREAM.subarray(i - 1, i));
      expect(frames.atBoundary, `after byte ${i}`).toBe(ends.has(i));
      if (headerEnds.has(i)) expect(frames.currentCode, `after byte ${i}`).toBe(headerEnds.get(i));
    }
  });

  it('reads lengths relative to a chunk that is a subarray of a larger buffer', () => {
    const { frames, seen } = tracker(CAPTURE);
    const junk = Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x01]);
    frames.push(Buffer.concat([junk, STREAM]).subarray(junk.length));
    expect(seen).toEqual(EXPECTED);
  });

  it('hands out a range of the chunk when the captured part lies inside it', () => {
    const bodies: Buffer[] = [];
    const frames = new FrameTracker({ capture: CAPTURE, sink: { onMessage: (_code, bytes, start, end) => void bodies.push(bytes.subarray(start, end)) } });
    const query = message(FrontendCode.Query, 'SELECT 1\0');
    // The Parse capture (8 bytes) fits in the first chunk although the body does not.
    const parse = message(FrontendCode.Parse, 'stmt\0CREATE TABLE t ()\0\0\0');
    const chunk = Buffer.concat([query, parse.subarray(0, 20)]);
    frames.push(chunk);
    frames.push(parse.subarray(20));
    expect(bodies.map((b) => b.toString('latin1'))).toEqual(['SELECT 1\0', 'stmt\0CRE']);
    chunk.fill(0x21);
    expect(bodies.map((b) => b.toString('latin1'))).toEqual(['!'.repeat(9), '!'.repeat(8)]);
  });

  it('hands out a copy when the captured part spans chunks', () => {
    const bodies: Buffer[] = [];
    const frames = new FrameTracker({ capture: CAPTURE, sink: { onMessage: (_code, bytes, start, end) => void bodies.push(bytes.subarray(start, end)) } });
    const query = message(FrontendCode.Query, 'SELECT 12345\0');
    const first = Buffer.from(query.subarray(0, 9));
    const second = Buffer.from(query.subarray(9));
    frames.push(first);
    expect(bodies).toEqual([]);
    frames.push(second);
    first.fill(0x21);
    second.fill(0x21);
    expect(bodies.map((b) => b.toString('latin1'))).toEqual(['SELECT 12345\0']);
  });

  it('hands out only the first capture-limit bytes but the whole body length', () => {
    const { frames, seen } = tracker(captureTable([[BackendCode.DataRow, 4]]));
    const body = Buffer.alloc(70_000, 0x61);
    const row = message(BackendCode.DataRow, body);
    for (let i = 0; i < row.length; i += 1000) frames.push(row.subarray(i, i + 1000));
    expect(seen).toEqual([{ code: BackendCode.DataRow, body: Buffer.from('aaaa'), bodyLength: 70_000 }]);
  });

  it('reports zero-length bodies of captured types and nothing for skipped ones', () => {
    const { frames, seen } = tracker(captureTable([[FrontendCode.Terminate, 0]]));
    frames.push(Buffer.concat([message(FrontendCode.Sync, ''), message(FrontendCode.Terminate, '')]));
    expect(seen).toEqual([{ code: FrontendCode.Terminate, body: Buffer.alloc(0), bodyLength: 0 }]);
  });

  it('reports an empty body when the capture limit is zero', () => {
    const { frames, seen } = tracker(captureTable([[FrontendCode.Execute, 0]]));
    frames.push(message(FrontendCode.Execute, '\0\0\0\0\x05'));
    expect(seen).toEqual([{ code: FrontendCode.Execute, body: Buffer.alloc(0), bodyLength: 5 }]);
  });

  it('accepts any type byte when no validator is given (server direction)', () => {
    const { frames, seen } = tracker(captureTable([[0x00, 8]]));
    frames.push(message(0x00, 'x'));
    expect(seen).toEqual([{ code: 0x00, body: Buffer.from('x'), bodyLength: 1 }]);
  });
});

describe('frame tracker on invalid input', () => {
  const frontend = (maxLength?: number): FrameTracker =>
    new FrameTracker({
      capture: CAPTURE,
      validCodes: FRONTEND_CODES,
      sink: { onMessage: () => undefined },
      ...(maxLength ? { maxLength } : {}),
    });

  function frameError(push: () => void): FrameError {
    try {
      push();
    } catch (error) {
      expect(error).toBeInstanceOf(FrameError);
      expect((error as FrameError).sqlstate).toBe('08P01');
      return error as FrameError;
    }
    throw new Error('expected a FrameError');
  }

  it('rejects a length below 4', () => {
    for (const length of [0, 3]) {
      expect(frameError(() => frontend().push(header(FrontendCode.Query, length))).code).toBe('LENGTH_OUT_OF_RANGE');
    }
  });

  it('rejects a negative length (high bit set)', () => {
    expect(frameError(() => frontend().push(header(FrontendCode.Query, 0xffffffff))).code).toBe('LENGTH_OUT_OF_RANGE');
  });

  it('rejects a length above the maximum before reading any body', () => {
    expect(frameError(() => frontend().push(header(FrontendCode.Query, 0x7fffffff))).code).toBe('LENGTH_OUT_OF_RANGE');
    const oneTooMany = header(FrontendCode.Query, MAX_MESSAGE_LENGTH + 1);
    expect(frameError(() => frontend().push(oneTooMany)).code).toBe('LENGTH_OUT_OF_RANGE');
  });

  it('honours a configured maximum length exactly', () => {
    frontend(104).push(header(FrontendCode.Query, 104));
    expect(frameError(() => frontend(104).push(header(FrontendCode.Query, 105))).code).toBe('LENGTH_OUT_OF_RANGE');
  });

  it('rejects a type byte the validator refuses', () => {
    expect(frameError(() => frontend().push(message(0x01, 'x'))).code).toBe('UNKNOWN_MESSAGE_TYPE');
  });

  it('rejects a bad header only once it is complete, when split across chunks', () => {
    const bad = Buffer.concat([message(FrontendCode.Sync, ''), header(FrontendCode.Query, 2)]);
    for (let cut = 1; cut < bad.length; cut++) {
      const frames = frontend();
      if (cut >= 5) frames.push(bad.subarray(0, cut));
      else expect(() => frames.push(bad.subarray(0, cut))).not.toThrow();
      expect(frameError(() => frames.push(bad.subarray(cut))).code).toBe('LENGTH_OUT_OF_RANGE');
    }
  });

  it('rejects a bad message that follows good ones in the same chunk', () => {
    const frames = frontend();
    expect(frameError(() => frames.push(Buffer.concat([STREAM, Buffer.from([0x7a, 0, 0, 0, 4])]))).code).toBe(
      'UNKNOWN_MESSAGE_TYPE',
    );
  });
});

describe('where a handed-out message starts', () => {
  it('names its offset in the chunk when the whole message is there, and -1 when it began in an earlier chunk', () => {
    const stream = Buffer.concat([message(FrontendCode.Sync, ''), message(FrontendCode.Query, 'SELECT 1\0'), message(FrontendCode.Query, 'SELECT 22\0')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const starts: number[] = [];
      const frames: FrameTracker = new FrameTracker({
        capture: captureTable([[FrontendCode.Query, 1024]]),
        sink: { onMessage: () => void starts.push(frames.messageStart) },
      });
      frames.push(stream.subarray(0, cut));
      const firstChunk = starts.length;
      frames.push(stream.subarray(cut));
      // Sync is 5 bytes; the Queries take bytes 5..19 and 19..34 of the stream.
      const queries = [{ at: 5, length: 14 }, { at: 19, length: 15 }];
      const expected = queries.map(({ at, length }) => (at + length <= cut ? at : at >= cut ? at - cut : -1));
      expect(starts, `cut at ${cut}`).toEqual(expected);
      const inFirst = queries.map(({ at, length }) => at + length <= cut);
      expect(firstChunk).toBe(inFirst.filter(Boolean).length);
    }
  });
});
