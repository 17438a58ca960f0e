// Moving an accepted socket that has already been read from: nothing the
// client sent may be lost or reordered, whether the old socket had read it
// (and not handed it out) or the kernel still held it.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptClientSocket } from './client-handle.js';

let server: Server | undefined;
let client: Socket | undefined;

afterEach(async () => {
  client?.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A listener whose first accepted socket arrives in a promise; the client connected to it. */
async function connectedPair(): Promise<{ accepted: Socket; client: Socket }> {
  let accepted!: (socket: Socket) => void;
  const acceptedSocket = new Promise<Socket>((resolve) => (accepted = resolve));
  server = createServer(accepted);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  client = connect(port, '127.0.0.1');
  return { accepted: await acceptedSocket, client };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('adoptClientSocket', () => {
  it('hands over bytes read but not consumed, then those the kernel held, in order, into a reused buffer', async () => {
    const { accepted, client: sender } = await connectedPair();
    const first = Buffer.from('startup');
    const rest = randomBytes(4 * 1024 * 1024);
    const seen: Buffer[] = [];
    accepted.once('data', (chunk: Buffer) => {
      seen.push(chunk);
      accepted.pause();
    });
    sender.write(first);
    await until(() => seen.length === 1, 'the first bytes');
    // Paused, the old socket still reads up to its high-water mark; the rest stays in the kernel.
    sender.write(rest);
    await until(() => accepted.readableLength >= accepted.readableHighWaterMark, 'the paused socket to fill its buffer');

    const received: Buffer[] = [];
    let reads = 0;
    const buffers = new Set<Buffer>();
    const reused = Buffer.allocUnsafe(64 * 1024);
    const adopted = adoptClientSocket(accepted, {
      buffer: () => reused,
      callback: (bytes, buffer) => {
        reads++;
        buffers.add(buffer as Buffer);
        received.push(Buffer.from((buffer as Buffer).subarray(0, bytes)));
        return true;
      },
    });
    expect(adopted).toBeDefined();
    const buffered = Buffer.concat(adopted!.buffered);
    expect(buffered.length).toBeGreaterThan(0);
    expect(buffered.length).toBeLessThan(rest.length);
    // Created paused: nothing is read before the relay is ready.
    expect(reads).toBe(0);
    adopted!.socket.resume();
    await until(() => buffered.length + received.reduce((sum, chunk) => sum + chunk.length, 0) >= rest.length, 'every byte');
    expect(Buffer.concat([buffered, ...received]).equals(rest)).toBe(true);
    expect([...buffers]).toEqual([reused]);

    // Writes go out on the moved connection; the listener's close waits for it, and the client's end closes it.
    const echoed = new Promise<Buffer>((resolve) => sender.once('data', resolve));
    adopted!.socket.write('pong');
    expect((await echoed).toString()).toBe('pong');
    let serverClosed = false;
    const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
    void closing.then(() => (serverClosed = true));
    const socketClosed = new Promise<void>((resolve) => adopted!.socket.once('close', () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(serverClosed).toBe(false);
    sender.end();
    await socketClosed;
    await closing;
    server = undefined;
  });

  it('keeps a socket that is closing as it is', async () => {
    const { accepted } = await connectedPair();
    accepted.destroy();
    expect(adoptClientSocket(accepted, { buffer: Buffer.alloc(16), callback: () => true })).toBeUndefined();
  });
});
