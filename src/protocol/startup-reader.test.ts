import { describe, expect, it } from 'vitest';
import { MAX_STARTUP_PACKET_LENGTH, StartupCode } from './codes.js';
import { FrameError } from './frame-error.js';
import { encodeStartupMessage } from './messages.js';
import { StartupReader, type StartupPacket } from './startup-reader.js';

const SSL_REQUEST = request(StartupCode.SSLRequest);
const STARTUP = encodeStartupMessage({
  protocolVersion: 0x00030000,
  parameters: new Map([
    ['user', 'alice'],
    ['database', 'app'],
  ]),
});

function request(code: number): Buffer {
  const packet = Buffer.alloc(8);
  packet.writeInt32BE(8, 0);
  packet.writeInt32BE(code, 4);
  return packet;
}

function lengthOnly(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(length | 0, 0);
  return bytes;
}

/** Pushes chunks until a packet comes out; checks nothing came out earlier. */
function read(reader: StartupReader, chunks: readonly Buffer[]): StartupPacket | undefined {
  let packet: StartupPacket | undefined;
  for (const [index, chunk] of chunks.entries()) {
    expect(packet, `packet before chunk ${index}`).toBeUndefined();
    packet = reader.push(chunk);
  }
  return packet;
}

function expectFrameError(push: () => unknown): void {
  expect(push).toThrow(FrameError);
  try {
    push();
  } catch (error) {
    expect((error as FrameError).code).toBe('LENGTH_OUT_OF_RANGE');
  }
}

describe('startup reader', () => {
  it('returns a whole StartupMessage with its protocol version', () => {
    const packet = new StartupReader().push(STARTUP);
    expect(packet?.code).toBe(0x00030000);
    expect(packet?.packet).toEqual(STARTUP);
    expect(packet?.rest.length).toBe(0);
  });

  it('returns the same packet when it is split at every offset', () => {
    for (let cut = 1; cut < STARTUP.length; cut++) {
      const packet = read(new StartupReader(), [STARTUP.subarray(0, cut), STARTUP.subarray(cut)]);
      expect(packet?.packet, `cut at ${cut}`).toEqual(STARTUP);
      expect(packet?.rest.length).toBe(0);
    }
  });

  it('returns the same packet when it arrives one byte at a time', () => {
    const bytes = Array.from(STARTUP, (byte) => Buffer.from([byte]));
    expect(read(new StartupReader(), bytes)?.packet).toEqual(STARTUP);
  });

  it('returns the bytes after an SSLRequest as rest, for the caller to push next', () => {
    const reader = new StartupReader();
    const first = reader.push(Buffer.concat([SSL_REQUEST, STARTUP.subarray(0, 10)]));
    expect(first?.code).toBe(StartupCode.SSLRequest);
    expect(first?.rest).toEqual(STARTUP.subarray(0, 10));
    expect(reader.push(first!.rest)).toBeUndefined();
    expect(reader.push(STARTUP.subarray(10))?.packet).toEqual(STARTUP);
  });

  it('reads a request split across chunks, with the following bytes as rest', () => {
    const stream = Buffer.concat([request(StartupCode.GSSENCRequest), STARTUP]);
    for (let cut = 1; cut < 8; cut++) {
      const packet = read(new StartupReader(), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(packet?.code).toBe(StartupCode.GSSENCRequest);
      expect(packet?.rest).toEqual(STARTUP);
    }
  });

  it('reads a CancelRequest with its key', () => {
    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(StartupCode.CancelRequest, 4);
    cancel.writeInt32BE(4242, 8);
    cancel.writeInt32BE(-7, 12);
    const packet = read(new StartupReader(), [cancel.subarray(0, 11), cancel.subarray(11)]);
    expect(packet?.code).toBe(StartupCode.CancelRequest);
    expect(packet?.packet).toEqual(cancel);
  });

  it('rejects a length below 8', () => {
    for (const length of [0, 4, 7]) {
      expectFrameError(() => new StartupReader().push(Buffer.concat([lengthOnly(length), lengthOnly(0)])));
    }
  });

  it('rejects a huge or negative length as soon as the length has arrived', () => {
    for (const length of [MAX_STARTUP_PACKET_LENGTH + 1, 0x7fffffff, 0xffffffff]) {
      expectFrameError(() => new StartupReader().push(lengthOnly(length)));
      const reader = new StartupReader();
      expect(reader.push(lengthOnly(length).subarray(0, 3))).toBeUndefined();
      expectFrameError(() => reader.push(lengthOnly(length).subarray(3)));
    }
  });

  it('accepts a packet of exactly the maximum length', () => {
    const packet = Buffer.alloc(MAX_STARTUP_PACKET_LENGTH);
    packet.writeInt32BE(MAX_STARTUP_PACKET_LENGTH, 0);
    packet.writeInt32BE(0x00030000, 4);
    expect(read(new StartupReader(), [packet.subarray(0, 5000), packet.subarray(5000)])?.packet.length).toBe(
      MAX_STARTUP_PACKET_LENGTH,
    );
  });
});
