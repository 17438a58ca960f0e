// Reads of a plain TCP socket made with `onread` (see read-buffer.ts),
// delivered by its libuv handle straight to the relay's callback: net's
// own onread handler (onStreamRead) also refreshes the socket's timeout
// timer and asks for the next buffer through two more calls per read,
// which the relay needs neither of. End of stream and errors still go
// through net's handler, so the socket ends and closes as before.
//
// Internal to Node like direct-write.ts: false (nothing changed) when the
// handle is not as expected, and the socket keeps its own onread.
import { Socket, type OnReadOpts } from 'node:net';
import { streamBinding } from './stream-binding.js';

interface ReadingHandle {
  onread: (this: ReadingHandle, arrayBuffer: unknown) => unknown;
  useUserBuffer(buffer: Uint8Array): void;
}

/** Routes `socket`'s reads straight to `reads` (the options it was made with). */
export function readDirectly(socket: Socket, reads: OnReadOpts): boolean {
  const binding = streamBinding;
  const handle = (socket as unknown as { _handle: Partial<ReadingHandle> | null })._handle;
  if (binding === undefined || socket.constructor !== Socket || handle === null || typeof handle.onread !== 'function' || typeof handle.useUserBuffer !== 'function') {
    return false;
  }
  if (typeof reads.buffer !== 'function') return false;
  const nextBuffer = reads.buffer;
  const callback = reads.callback;
  const state = binding.streamBaseState;
  const bytesOrError = binding.kReadBytesOrError;
  const streamRead = handle.onread;
  let buffer = nextBuffer();
  handle.useUserBuffer(buffer);
  handle.onread = function (this: ReadingHandle, arrayBuffer: unknown): unknown {
    const bytes = state[bytesOrError]!;
    if (bytes <= 0 || socket.destroyed) return streamRead.call(this, arrayBuffer);
    callback(bytes, buffer);
    const next = nextBuffer();
    if (next === buffer) return undefined;
    // The last buffer is still referred to (a pending write, a held chunk): the handle reads into a new one.
    buffer = next;
    return next;
  };
  return true;
}
