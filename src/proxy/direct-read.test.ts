import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readDirectly } from './direct-read.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('direct reads of a TCP socket made with onread', () => {
  it('hand every byte to the callback in order, into the buffer it names, and still end the socket at EOF', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const { port } = server.address() as net.AddressInfo;
    const sent = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 31 + (i >> 12)) & 0xff;
    server.once('connection', (peer: net.Socket) => peer.end(sent));

    const got: Buffer[] = [];
    let current = Buffer.allocUnsafe(64 * 1024);
    let buffersMade = 1;
    let lendNext = false;
    const reads: net.OnReadOpts = {
      buffer: () => {
        if (lendNext) {
          lendNext = false;
          buffersMade++;
          current = Buffer.allocUnsafe(64 * 1024);
        }
        return current;
      },
      callback: (bytes, buffer) => {
        expect(buffer).toBe(current);
        got.push(Buffer.from((buffer as Buffer).subarray(0, bytes)));
        // Every third read keeps its buffer (as a pending write would): the next read must go elsewhere.
        if (got.length % 3 === 0) lendNext = true;
        return true;
      },
    };
    const socket = net.connect({ port, host: '127.0.0.1', onread: reads });
    closers.push(() => socket.destroy());
    await once(socket, 'connect');
    expect(readDirectly(socket, reads)).toBe(true);
    await once(socket, 'end');
    expect(Buffer.concat(got).equals(sent)).toBe(true);
    expect(buffersMade).toBeGreaterThan(1);
  });

  it('leave a TLS socket alone', async () => {
    const { TLSSocket } = await import('node:tls');
    expect(readDirectly(new TLSSocket(new net.Socket()), { buffer: () => Buffer.alloc(1), callback: () => true })).toBe(false);
  });
});
