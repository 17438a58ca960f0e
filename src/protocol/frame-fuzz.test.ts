// Property-based fuzzing of the two readers that see a peer's raw bytes:
// the frame tracker (typed messages) and the startup reader. Input is real
// client traffic made by node-postgres' own serializer, then mutated
// (bytes flipped, inserted, cut, lengths made huge or negative) and split
// into chunks at random offsets. What must hold: the only thing thrown is
// the protocol error (FrameError, 08P01); how the bytes were split never
// changes what is seen; what the reader holds stays within its bound.
import fc from 'fast-check';
import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { FrontendCode, FRONTEND_CODES, MAX_STARTUP_PACKET_LENGTH } from './codes.js';
import { FrameError } from './frame-error.js';
import { captureTable, FrameTracker } from './frame-tracker.js';
import { StartupReader } from './startup-reader.js';

const CAPTURE_LIMIT = 64;
const CAPTURE = captureTable([
  [FrontendCode.Query, CAPTURE_LIMIT],
  [FrontendCode.Parse, CAPTURE_LIMIT],
  [FrontendCode.Sync, 0],
]);

/** One frontend message as a client library really writes it. */
const frontendMessage: fc.Arbitrary<Buffer> = fc.oneof(
  fc.string({ maxLength: 200 }).map((text) => serialize.query(text)),
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 200 })).map(([name, text]) => serialize.parse({ name, text, types: [] })),
  fc.array(fc.option(fc.string({ maxLength: 30 }), { nil: null }), { maxLength: 5 }).map((values) => serialize.bind({ values })),
  fc.constant(serialize.execute({})),
  fc.constant(serialize.sync()),
  fc.constant(serialize.flush()),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => serialize.copyData(Buffer.from(bytes))),
  fc.constant(serialize.copyDone()),
);

const session = fc.array(frontendMessage, { minLength: 1, maxLength: 30 }).map((messages) => Buffer.concat(messages));

/** A mutation of a byte stream: flips, inserts, cuts, and lengths set to extreme values. */
type Mutation = { kind: 'flip' | 'insert' | 'cut'; at: number; byte: number } | { kind: 'length'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('flip' as const, 'insert' as const, 'cut' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.constantFrom(-1, 0, 3, 4, 5, 0x3fffffff, 0x40000000, 0x7fffffff, -0x80000000) }),
);

function mutate(stream: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(stream);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = m.at % bytes.length;
    if (m.kind === 'flip') bytes[at] = m.byte;
    else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
    else if (m.kind === 'cut') bytes = bytes.subarray(0, at);
    else if (m.kind === 'length' && at + 4 <= bytes.length) bytes.writeInt32BE(m.value, at);
  }
  return bytes;
}

/** Cuts bytes into chunks at the given offsets. */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const offset of offsets) {
    chunks.push(bytes.subarray(from, offset));
    from = offset;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

interface Outcome {
  readonly seen: string[];
  readonly error: string | undefined;
}

/** Pushes the chunks through a frame tracker; only a FrameError may come out. */
function track(chunks: readonly Buffer[]): Outcome {
  const seen: string[] = [];
  const tracker = new FrameTracker({
    capture: CAPTURE,
    validCodes: FRONTEND_CODES,
    sink: {
      onMessage: (code, bytes, start, end, bodyLength) => {
        const body = bytes.subarray(start, end);
        // What the tracker hands out (and so holds) is bounded by the capture limit.
        expect(body.length).toBeLessThanOrEqual(Math.min(CAPTURE_LIMIT, bodyLength));
        seen.push(`${code}:${bodyLength}:${body.toString('hex')}`);
      },
    },
  });
  try {
    for (const chunk of chunks) tracker.push(chunk);
    return { seen, error: undefined };
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    expect(error.sqlstate).toBe('08P01');
    return { seen, error: error.message };
  }
}

const RUNS = Number(process.env['PGGIT_FUZZ_RUNS'] ?? '500');

describe('frame tracker, fuzzed', () => {
  it('reads real client traffic the same however it is split', () => {
    fc.assert(
      fc.property(session, fc.array(fc.nat(), { maxLength: 20 }), (stream, cuts) => {
        const whole = track([stream]);
        expect(whole.error).toBeUndefined();
        expect(track(split(stream, cuts))).toEqual(whole);
        // Split at every offset too: one byte at a time.
        expect(track([...stream].map((byte) => Buffer.from([byte])))).toEqual(whole);
      }),
      { numRuns: RUNS },
    );
  });

  it('throws nothing but the protocol error on mutated traffic, the same however it is split', () => {
    fc.assert(
      fc.property(session, fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (stream, mutations, cuts) => {
        const bytes = mutate(stream, mutations);
        const whole = track([bytes]);
        expect(track(split(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: RUNS },
    );
  });

  it('throws nothing but the protocol error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const buffer = Buffer.from(bytes);
        expect(track(split(buffer, cuts))).toEqual(track([buffer]));
      }),
      { numRuns: RUNS },
    );
  });
});

/** Pushes the chunks through a startup reader until its first packet; only a FrameError may come out. */
function readStartup(chunks: readonly Buffer[]): string {
  const reader = new StartupReader();
  try {
    for (const chunk of chunks) {
      const packet = reader.push(chunk);
      if (packet) return `packet ${packet.code} ${packet.packet.toString('hex')}`;
      // Waiting for more: what it holds is less than the longest packet it accepts.
      expect((reader as unknown as { pending?: Buffer }).pending?.length ?? 0).toBeLessThan(MAX_STARTUP_PACKET_LENGTH);
    }
    return 'incomplete';
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    return `error ${error.code}`;
  }
}

const startupPacket: fc.Arbitrary<Buffer> = fc.oneof(
  fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), fc.string({ maxLength: 40 }), { maxKeys: 5 }).map((params) => serialize.startup({ user: 'u', ...params })),
  fc.constant(serialize.requestSsl()),
  fc.tuple(fc.integer(), fc.integer()).map(([pid, key]) => serialize.cancel(pid, key)),
);

describe('startup reader, fuzzed', () => {
  it('throws nothing but the protocol error on mutated startup packets, the same however they are split', () => {
    fc.assert(
      fc.property(startupPacket, fc.array(mutation, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 10 }), (packet, mutations, cuts) => {
        const bytes = mutate(packet, mutations);
        expect(readStartup(split(bytes, cuts))).toBe(readStartup([bytes]));
      }),
      { numRuns: RUNS },
    );
  });

  it('throws nothing but the protocol error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12_000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const buffer = Buffer.from(bytes);
        expect(readStartup(split(buffer, cuts))).toBe(readStartup([buffer]));
      }),
      { numRuns: RUNS },
    );
  });
});
