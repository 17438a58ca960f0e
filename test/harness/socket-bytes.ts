// A socket whose every received byte is kept, for tests of the untyped parts
// of the protocol (single-byte SSL/GSS answers) and of how a session ends.
import { connect, type Socket } from 'node:net';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';

export class SocketBytes {
  private chunks: Buffer[] = [];
  private length = 0;
  private waiters: Array<() => void> = [];
  /** Resolves when the socket has closed (by either side). */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.wake();
        resolve();
      }),
    );
  }

  /** allowHalfOpen: keep our side open after the peer closes its side, like a client that is not reading. */
  static connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<SocketBytes> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', ...options }, () => resolve(new SocketBytes(socket)));
      socket.once('error', reject);
    });
  }

  /** Everything received so far. */
  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Resolves once at least count bytes have arrived; throws if the socket closes first. */
  async waitForBytes(count: number): Promise<Buffer> {
    while (this.length < count) {
      if (this.socket.destroyed) {
        throw new Error(`closed after ${this.length} of ${count} bytes: ${this.bytes().toString('hex')}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.bytes();
  }

  /** The backend messages in what was received from offset on. */
  messages(offset = 0): BackendMessage[] {
    const messages: BackendMessage[] = [];
    new Parser().parse(this.bytes().subarray(offset), (message) => void messages.push(message));
    return messages;
  }

  /** Resolves once a message matching arrives (parsing from offset); throws if the socket closes first. */
  async waitForMessage(match: (message: BackendMessage) => boolean, offset = 0): Promise<BackendMessage> {
    for (;;) {
      const found = this.messages(offset).find(match);
      if (found) return found;
      if (this.socket.destroyed) {
        throw new Error(`closed; received ${this.messages(offset).map((m) => m.name).join(', ')}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
