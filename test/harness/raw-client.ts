// A bare protocol client on a socket, built from pg-protocol's serializer and
// parser, for tests that must control exactly which bytes go out and when.
import { connect, type Socket } from 'node:net';
import { parse, serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';

export { serialize };

export class RawClient {
  readonly received: BackendMessage[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    void parse(socket, (message) => {
      this.received.push(message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects and completes a trust-authenticated startup. */
  static async startup(port: number, user = 'postgres', database = 'postgres'): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.socket.write(serialize.startup({ user, database }));
    await client.waitFor((m) => m.name === 'readyForQuery');
    return client;
  }

  /** Resolves with the first received message (from `from`) matching, or throws on close. */
  async waitFor(match: (message: BackendMessage) => boolean, from = 0): Promise<BackendMessage> {
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`connection closed; received ${this.received.map((m) => m.name).join(', ')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once cond() holds for what has been received, or throws on close. */
  async waitUntil(cond: () => boolean): Promise<void> {
    while (!cond()) {
      if (this.closed) throw new Error(`connection closed; received ${this.received.map((m) => m.name).join(', ')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  count(name: string): number {
    return this.received.filter((m) => m.name === name).length;
  }

  end(): void {
    this.socket.end(serialize.end());
  }
}
