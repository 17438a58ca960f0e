// Moves an accepted client socket, once its startup was read through stream
// events, to a socket that reads into the relay's reused buffer (net's
// `onread`). Node takes `onread` only when a socket is made, and the
// listener makes accepted sockets itself: so the socket's handle (the file
// descriptor's libuv stream) moves into a new Socket built with `onread`.
// This reaches into `_handle` and `_server`, net's internals, unchanged
// from Node 16 to 24; a socket in a state the move cannot take over keeps
// its stream reads (adoptClientSocket returns undefined).
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';

interface StreamHandle {
  reading: boolean;
  readStop(): number;
}

/** The internals of net.Socket this module touches. */
interface SocketInternals {
  _handle: StreamHandle | null;
  _server: unknown;
  server: unknown;
}

export interface AdoptedClient {
  /** The same connection, now read through `onread` (paused: reads start at resume()). */
  readonly socket: Socket;
  /** Bytes the old socket had read but nobody consumed yet, in order: the relay gets them first. */
  readonly buffered: Buffer[];
}

/**
 * Moves `socket`'s connection into a Socket that reads with `onread`.
 * Reading is stopped on the handle first: whatever the kernel holds stays
 * there and is read by the new socket; what the old one had already read
 * is returned. Undefined (nothing changed) when the socket is closing, has
 * writes in flight (their completion would reach the wrong socket) or is
 * not a plain TCP or pipe socket.
 */
export function adoptClientSocket(socket: Socket, onread: OnReadOpts): AdoptedClient | undefined {
  const internals = socket as unknown as SocketInternals;
  const handle = internals._handle;
  if (handle === null || socket.destroyed || socket.readableEnded || socket.writableLength > 0 || socket.constructor !== Socket) return undefined;
  handle.reading = false;
  if (handle.readStop() !== 0) return undefined;
  // Detached first: read() on a socket with a handle would start reading again.
  internals._handle = null;
  const buffered: Buffer[] = [];
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) buffered.push(chunk);
  const adopted = new Socket({ handle, readable: true, writable: true, onread, pauseOnCreate: true } as SocketConstructorOpts);
  // The listener counts its connections through `_server` (close() waits for them): the count follows the connection.
  const moved = adopted as unknown as SocketInternals;
  moved._server = internals._server;
  moved.server = internals.server;
  internals._server = null;
  internals.server = null;
  adopted.setNoDelay(true);
  return { socket: adopted, buffered };
}
