// A bare TCP relay (socket.pipe both ways): the control for "does the suite
// pass through any proxy at all here". Not pggit; only with --via=relay.
import { connect, createServer, type Socket } from 'node:net';
import type { Front } from './front.js';

export function startRelay(upstream: { host: string; port: number }): Promise<Front> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = connect(upstream.port, upstream.host);
    for (const socket of [client, server]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    client.pipe(server);
    server.pipe(client);
    client.once('error', () => server.destroy());
    server.once('error', () => client.destroy());
    client.once('close', () => server.end());
    server.once('close', () => client.end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address !== 'object') return reject(new Error('relay has no port'));
      resolve({
        name: 'bare socket relay',
        host: '127.0.0.1',
        port: address.port,
        logFile: undefined,
        death: () => undefined,
        drained: () => Promise.resolve(),
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
