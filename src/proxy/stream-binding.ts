// Node's stream_wrap binding, which net.Socket is built on: what
// direct-write.ts and direct-read.ts use to skip the stream layer on the
// relay's hot path. Internal to Node (reached by the deprecated
// process.binding, unchanged from Node 16 to 24): undefined when it is not
// as expected, and the relay then keeps the public socket API.

export interface WriteRequest {
  handle: unknown;
  oncomplete: (status: number) => void;
  /** Keeps the chunk alive while libuv still writes from it. */
  buffer: Buffer | undefined;
}

export interface StreamBinding {
  readonly WriteWrap: new () => WriteRequest;
  /** Shared with the handles: the last read's byte count (or error) and whether the last write went async. */
  readonly streamBaseState: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kLastWriteWasAsync: number;
}

export const streamBinding: StreamBinding | undefined = load();

function load(): StreamBinding | undefined {
  try {
    const loaded = (process as unknown as { binding(name: string): Partial<StreamBinding> }).binding('stream_wrap');
    const { WriteWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync } = loaded;
    if (typeof WriteWrap !== 'function' || !(streamBaseState instanceof Int32Array)) return undefined;
    if (typeof kReadBytesOrError !== 'number' || typeof kLastWriteWasAsync !== 'number') return undefined;
    return { WriteWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync };
  } catch {
    return undefined;
  }
}
