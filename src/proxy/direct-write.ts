// Writes relayed chunks straight to a plain TCP socket's libuv handle
// (`writeBuffer`, what net.Socket itself calls at the bottom of its stream)
// instead of through the Writable stream above it. The stream layer makes a
// native write request object, a callback and a nextTick per write: about a
// third of what a Node relay spends in user space per transaction (see the
// relay-raw and relay-handle paths of `npm run bench`). A write the kernel
// takes whole, the common case, costs one call here.
//
// It reaches into Node's internals (`_handle`, stream-binding.ts); where
// they are missing, or the socket is not plain TCP (TLS), `directWriter`
// returns undefined and the relay keeps socket.write. Ordering: libuv keeps one write queue per handle, so bytes
// written here and by socket.write go out in call order, except that the
// stream's own buffered bytes must go first: while it holds any, writes go
// through the stream too.
import { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { streamBinding, type StreamBinding, type WriteRequest } from './stream-binding.js';

/** A writer for `socket` when it is plain TCP and Node's internals are as expected; else undefined. */
export function directWriter(socket: Socket, onDrain: () => void): DirectWriter | undefined {
  const binding = streamBinding;
  if (binding === undefined || socket.constructor !== Socket) return undefined;
  const handle = (socket as unknown as { _handle: { writeBuffer?: unknown } | null })._handle;
  if (handle === null || typeof handle.writeBuffer !== 'function') return undefined;
  return new DirectWriter(socket, binding, onDrain);
}

export class DirectWriter {
  /** Writes libuv still holds (the kernel did not take them whole). */
  private pending = 0;
  private request: WriteRequest;

  constructor(
    private readonly socket: Socket,
    private readonly binding: StreamBinding,
    /** Called once every direct write has completed after write() returned false. */
    private readonly onDrain: () => void,
  ) {
    this.request = this.newRequest();
  }

  /** Bytes written here or through the stream are not all in the kernel yet: a buffer they came from is still in use. */
  get busy(): boolean {
    return this.pending > 0 || this.socket.writableLength > 0;
  }

  /**
   * Like socket.write: false when the bytes could not all go to the kernel
   * now (stop reading the other side until onDrain, or the socket's 'drain'
   * when the stream took them).
   */
  write(chunk: Buffer): boolean {
    const socket = this.socket;
    const handle = (socket as unknown as { _handle: { writeBuffer(request: WriteRequest, chunk: Buffer): number } | null })._handle;
    if (handle === null || socket.destroyed || socket.writableLength > 0 || socket.writableEnded) return socket.write(chunk);
    const request = this.request;
    const status = handle.writeBuffer(request, chunk);
    if (status !== 0) {
      socket.destroy(writeError(status));
      return false;
    }
    if (this.binding.streamBaseState[this.binding.kLastWriteWasAsync] === 0) return true;
    // libuv writes the rest later, from `chunk`: this request is now that write's.
    request.buffer = chunk;
    this.pending++;
    this.request = this.newRequest();
    return false;
  }

  private newRequest(): WriteRequest {
    const request = new this.binding.WriteWrap();
    request.handle = (this.socket as unknown as { _handle: unknown })._handle;
    request.buffer = undefined;
    request.oncomplete = (status) => this.completed(request, status);
    return request;
  }

  private completed(request: WriteRequest, status: number): void {
    request.buffer = undefined;
    this.pending--;
    if (status < 0) {
      if (!this.socket.destroyed) this.socket.destroy(writeError(status));
      return;
    }
    if (this.pending === 0 && !this.socket.destroyed) this.onDrain();
  }
}

function writeError(status: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: 'write' });
}

/** What the relay writes each side with: a DirectWriter, or the socket's own stream. */
export interface SideWriter {
  write(chunk: Buffer): boolean;
  readonly busy: boolean;
}

/** The socket's stream (TLS, or Node internals not as expected); 'drain' is the socket's own. */
export function streamWriter(socket: { write(chunk: Buffer): boolean; readonly writableLength: number }): SideWriter {
  return {
    write: (chunk) => socket.write(chunk),
    get busy() {
      return socket.writableLength > 0;
    },
  };
}
