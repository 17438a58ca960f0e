// A TCP relay between the proxy and the server, so a test can make the
// network fail: break() resets every connection without a word to either side;
// pause() stalls it (nothing passes, nothing is lost) until resume().
import { connect, createServer, type Server, type Socket } from 'node:net';

export class Relay {
  private readonly sockets = new Set<Socket>();
  /** Each relayed connection's two sockets, for pause and resume. */
  private readonly pairs = new Set<readonly [Socket, Socket]>();
  private readonly server: Server;
  private listening = 0;
  private paused = false;

  private constructor(target: { readonly host: string; readonly port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      const pair = [client, upstream] as const;
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      if (!this.paused) join(pair);
    });
  }

  /** On `port` when given (to come back where a closed relay was), else a free one. */
  static async start(target: { readonly host: string; readonly port: number }, port = 0): Promise<Relay> {
    const relay = new Relay(target);
    await new Promise<void>((resolve) => relay.server.listen(port, '127.0.0.1', resolve));
    relay.listening = (relay.server.address() as { port: number }).port;
    return relay;
  }

  get port(): number {
    return this.listening;
  }

  /** Sockets open on either side: two per relayed connection. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Stops forwarding in both directions (bytes wait in the sockets); new connections wait too. */
  pause(): void {
    this.paused = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  resume(): void {
    this.paused = false;
    for (const pair of this.pairs) join(pair);
  }

  /** Resets every relayed connection at once (TCP RST), as a failing network would. */
  break(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  close(): Promise<void> {
    this.break();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function join([client, upstream]: readonly [Socket, Socket]): void {
  client.pipe(upstream);
  upstream.pipe(client);
}
