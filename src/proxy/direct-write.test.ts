import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { directWriter, type DirectWriter } from './direct-write.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A connected pair of real TCP sockets on loopback: `writer` side and the `reader` side, paused. */
async function socketPair(): Promise<{ writer: net.Socket; reader: net.Socket }> {
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const writer = net.connect({ port, host: '127.0.0.1' });
  await once(writer, 'connect');
  const [reader] = await accepted;
  closers.push(() => {
    writer.destroy();
    reader.destroy();
    server.close();
  });
  return { writer, reader };
}

function received(reader: net.Socket, total: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  return new Promise((resolve) => {
    reader.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= total) resolve(Buffer.concat(chunks));
    });
  });
}

describe('direct writes to a TCP socket', () => {
  it('are used for a plain TCP socket, not for a TLS one', async () => {
    const { writer } = await socketPair();
    expect(directWriter(writer, () => undefined)).toBeDefined();
    const { TLSSocket } = await import('node:tls');
    expect(directWriter(new TLSSocket(new net.Socket()), () => undefined)).toBeUndefined();
  });

  it('never reuse a buffer a pending write still refers to: a slow reader gets every byte in order', async () => {
    const { writer, reader } = await socketPair();
    const chunkSize = 64 * 1024;
    const chunks = 200; // 12.5 MB: far more than the kernel buffers hold
    let drained: () => void = () => undefined;
    const direct = directWriter(writer, () => drained()) as DirectWriter;
    const expected = Buffer.alloc(chunkSize * chunks);
    for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + (i >> 16)) & 0xff;
    const all = received(reader, expected.length);
    // The reader starts late and reads slowly: most writes go async.
    setTimeout(() => reader.resume(), 50);
    reader.on('data', () => {
      reader.pause();
      setTimeout(() => reader.resume(), 1);
    });
    let reused = Buffer.allocUnsafe(chunkSize);
    let fullCount = 0;
    for (let i = 0; i < chunks; i++) {
      // The relay's rule: a busy buffer is given away, never written into again.
      if (direct.busy) reused = Buffer.allocUnsafe(chunkSize);
      expected.copy(reused, 0, i * chunkSize, (i + 1) * chunkSize);
      if (!direct.write(reused)) {
        fullCount++;
        await new Promise<void>((resolve) => (drained = resolve));
      }
    }
    expect(fullCount).toBeGreaterThan(0);
    expect((await all).equals(expected)).toBe(true);
  });

  it('keep call order with writes made through the stream', async () => {
    const { writer, reader } = await socketPair();
    const direct = directWriter(writer, () => undefined) as DirectWriter;
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const total = big.length + 3;
    const all = received(reader, total);
    reader.resume();
    // Pending in libuv after this (too big for the socket buffer), then one stream write and one direct write.
    expect(direct.write(big)).toBe(false);
    writer.write(Buffer.from('b'));
    direct.write(Buffer.from('cd'));
    const bytes = await all;
    expect(bytes.subarray(big.length).toString()).toBe('bcd');
  });

  it('destroy the socket with the error when the peer is gone', async () => {
    const { writer, reader } = await socketPair();
    const direct = directWriter(writer, () => undefined) as DirectWriter;
    reader.resetAndDestroy();
    const failed = once(writer, 'error');
    // The reset reaches the writer within a few writes.
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 1000 && !writer.destroyed; i++) {
      direct.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const [error] = (await failed) as [NodeJS.ErrnoException];
    expect(['EPIPE', 'ECONNRESET']).toContain(error.code);
  });
});
