// A stream for node-postgres (its `stream` option) that opens the connection
// with connectServer: pg itself knows no sslmode=prefer and does not check a
// root certificate under `require`, so pggit's own connections (store,
// catalog snapshots, branches) negotiate TLS exactly as client sessions do.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { connectServer, type ServerTarget } from './server-connection.js';

/** pg calls connect(port, host) or connect(socketPath); the target already says where. */
export class NegotiatedStream extends Duplex {
  private inner: Socket | undefined;
  private corked = false;

  constructor(
    private readonly target: ServerTarget,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  connect(): this {
    connectServer(this.target, { timeoutMs: this.timeoutMs }).then(
      (socket) => this.attach(socket),
      (error: Error) => this.destroy(error),
    );
    return this;
  }

  private attach(socket: Socket): void {
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    this.inner = socket;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    socket.resume();
    this.emit('connect');
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  // pg corks its stream around each query's messages (Parse, Bind, Describe,
  // Execute, Sync): they arrive here together.
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.send(chunks.map(({ chunk }) => chunk), callback);
  }

  /**
   * Writes in one system call what is written in the same tick (a query's
   * messages, the queries of a pipelined read): the socket stays corked
   * until the tick ends. A write is done once the socket took it (unless it
   * asks to wait for 'drain'): waiting for the flush would hold the next
   * writes of the tick in this stream's buffer, for a system call of their
   * own after it.
   */
  private send(chunks: readonly Buffer[], callback: (error?: Error | null) => void): void {
    const inner = this.inner;
    if (!inner) {
      callback(new Error('not connected'));
      return;
    }
    if (!this.corked) {
      this.corked = true;
      inner.cork();
      process.nextTick(() => {
        this.corked = false;
        inner.uncork();
      });
    }
    if (inner.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))) callback();
    else inner.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner?.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }

  // pg sets these on a net.Socket; connectServer already did.
  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    this.inner?.ref();
    return this;
  }

  unref(): this {
    this.inner?.unref();
    return this;
  }
}
