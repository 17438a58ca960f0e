// The bare Node relays, nothing but bytes: `pipe` (socket.pipe both ways),
// `onread` (server bytes read into a reused buffer with net's onread, client
// bytes by 'data' events, written with socket.write; pggit's way before), or
// `onread-both` (client bytes too: an accepted socket cannot be given onread
// through the public API, so this one moves the accepted socket's internal
// `_handle` into a new Socket; pggit does the same after the startup, see
// src/proxy/client-handle.ts). Run as its own
// process (bench/relay-path.ts) so it never shares an event loop with the
// proxy under test.
// `raw-handle` skips the stream layer: once connected, it reads with the TCP
// handles' own onread into one buffer per direction and writes with
// handle.writeBuffer (process.binding internals, no stream, no callback
// unless a write goes async): the floor of JavaScript relaying in Node.
// `native-thread` and `native-uv` hand both sockets to a C addon
// (native-relay/relay.c) that moves every byte with JavaScript out of the
// way: the floor of a Node process that relays in C. `native-uv-js` is
// native-uv with JS called once per read that holds a message pggit reads,
// with those messages' first bytes (what a pggit relaying in C would still
// do in JS).
// usage: relay-server.ts pipe|onread|onread-both|raw-handle|native-thread|native-uv|native-uv-js LISTEN_HOST:PORT UPSTREAM_HOST:PORT
import { createRequire } from 'node:module';
import net from 'node:net';
import { nativeRelayAddon } from './native-relay.js';

function hostPort(text: string | undefined): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`expected HOST:PORT, got "${text ?? ''}"`);
  return { host: match[1], port: Number(match[2]) };
}

const MODES = ['pipe', 'onread', 'onread-both', 'raw-handle', 'native-thread', 'native-uv', 'native-uv-js'] as const;
type Mode = (typeof MODES)[number];
const mode = process.argv[2] as Mode;
if (!MODES.includes(mode)) throw new Error(`expected one of ${MODES.join(', ')}, got "${mode ?? ''}"`);
const listen = hostPort(process.argv[3]);
const upstream = hostPort(process.argv[4]);

function pipeRelay(client: net.Socket): net.Socket {
  const server = net.connect({ ...upstream, noDelay: true });
  client.pipe(server);
  server.pipe(client);
  return server;
}

/** Reads into a reused buffer, replaced while a pending write to `to` still points into it. */
function readInto(to: () => net.Socket, from: () => net.Socket): net.OnReadOpts {
  let buffer = Buffer.allocUnsafe(64 * 1024);
  let lent = false;
  return {
    buffer: () => {
      if (lent) {
        lent = false;
        buffer = Buffer.allocUnsafe(64 * 1024);
      }
      return buffer;
    },
    callback: (bytes, into) => {
      if (!to().write((into as Buffer).subarray(0, bytes))) from().pause();
      if (to().writableLength > 0) lent = true;
      return true;
    },
  };
}

/** Like pggit's relay: server bytes by onread, client bytes by 'data' events. */
function onreadRelay(client: net.Socket): net.Socket {
  const server: net.Socket = net.connect({ ...upstream, noDelay: true, onread: readInto(() => client, () => server) });
  client.on('drain', () => server.resume());
  client.on('data', (chunk: Buffer) => {
    if (!server.write(chunk)) client.pause();
  });
  server.on('drain', () => client.resume());
  return server;
}

/** Both directions by onread; the accepted socket's handle moves into a Socket made with onread. */
function onreadBothRelay(accepted: net.Socket): { client: net.Socket; server: net.Socket } {
  const internal = accepted as unknown as { _handle: unknown };
  const handle = internal._handle;
  internal._handle = null;
  const server: net.Socket = net.connect({ ...upstream, noDelay: true, onread: readInto(() => client, () => server) });
  const client: net.Socket = new net.Socket({ handle, readable: true, writable: true, onread: readInto(() => server, () => client) } as net.SocketConstructorOpts);
  client.setNoDelay(true);
  client.on('drain', () => server.resume());
  server.on('drain', () => client.resume());
  client.resume();
  return { client, server };
}

interface NativeRelay {
  relay(clientFd: number, serverFd: number, onThread: boolean): void;
  observe(records: Buffer, callback: (used: number) => void): void;
}

/** Size of one record written by relay.c: code, side, length (4 bytes), the body's first 64 bytes. */
const RECORD = 70;

/** What a JS observer does with each record: look at the code and a byte or two, as pggit's observer does. */
function observeRecords(native: NativeRelay): void {
  const records = Buffer.alloc(64 * RECORD);
  const seen = new Float64Array(256);
  let idleReady = 0;
  native.observe(records, (used) => {
    for (let at = 0; at < used; at += RECORD) {
      const code = records[at]!;
      seen[code]!++;
      if (code === 0x5a && records[at + 6] === 0x49) idleReady++;
    }
  });
  process.on('exit', () => console.log(`observed ${seen.reduce((a, b) => a + b, 0)} messages, ${idleReady} idle ReadyForQuery`));
}

/** Connects upstream, then gives both fds to C and closes the JS sockets (C holds duplicates). */
function nativeRelay(addon: NativeRelay, accepted: net.Socket, onThread: boolean): void {
  const server = net.connect({ ...upstream, noDelay: true });
  server.pause();
  const fd = (socket: net.Socket): number => (socket as unknown as { _handle: { fd: number } })._handle.fd;
  server.once('connect', () => {
    addon.relay(fd(accepted), fd(server), onThread);
    accepted.destroy();
    server.destroy();
  });
  server.once('error', () => accepted.destroy());
}

/** A TCP handle as Node's stream_wrap sees it (internal API). */
interface RawHandle {
  onread: () => void;
  useUserBuffer(buffer: Buffer): void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: object, data: Buffer): number;
  close(): void;
}
interface StreamWrap {
  WriteWrap: new () => { handle?: RawHandle; oncomplete?: (status: number) => void };
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

/** Moves bytes between two TCP handles with no stream in between; a direction stops reading while its write is pending. */
function rawHandleRelay(accepted: net.Socket): void {
  const wrap = (process as unknown as { binding(name: string): StreamWrap }).binding('stream_wrap');
  const state = wrap.streamBaseState;
  const server = net.connect({ ...upstream, noDelay: true });
  server.pause();
  const take = (socket: net.Socket): RawHandle => {
    const internal = socket as unknown as { _handle: RawHandle | null };
    const handle = internal._handle!;
    internal._handle = null;
    return handle;
  };
  server.once('error', () => accepted.destroy());
  server.once('connect', () => {
    const sides = [take(accepted), take(server)] as const;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      for (const side of sides) side.close();
    };
    const link = (from: RawHandle, to: RawHandle): void => {
      const buffer = Buffer.allocUnsafe(64 * 1024);
      const request = (): InstanceType<StreamWrap['WriteWrap']> => Object.assign(new wrap.WriteWrap(), { handle: to });
      let req = request();
      from.useUserBuffer(buffer);
      from.onread = () => {
        const bytes = state[wrap.kReadBytesOrError]!;
        if (bytes <= 0) {
          if (bytes < 0) close();
          return;
        }
        if (to.writeBuffer(req, buffer.subarray(0, bytes)) !== 0) return close();
        if (state[wrap.kLastWriteWasAsync]) {
          // The kernel took part of it: the rest is written from `buffer`, so no read into it until then.
          from.readStop();
          req.oncomplete = (status) => (status < 0 ? close() : from.readStart());
          req = request();
        }
      };
      from.readStart();
    };
    link(sides[0], sides[1]);
    link(sides[1], sides[0]);
  });
}

const native = mode.startsWith('native-') ? (createRequire(import.meta.url)(nativeRelayAddon()) as NativeRelay) : undefined;
if (native !== undefined && mode === 'native-uv-js') observeRecords(native);

// noDelay on both sockets: every real proxy (pgbouncer, pggit) disables Nagle.
const listener = net.createServer({ noDelay: true, pauseOnConnect: mode === 'onread-both' || mode === 'raw-handle' || native !== undefined }, (accepted) => {
  if (mode === 'raw-handle') {
    rawHandleRelay(accepted);
    return;
  }
  if (native !== undefined) {
    nativeRelay(native, accepted, mode === 'native-thread');
    return;
  }
  const { client, server } =
    mode === 'onread-both'
      ? onreadBothRelay(accepted)
      : { client: accepted, server: mode === 'pipe' ? pipeRelay(accepted) : onreadRelay(accepted) };
  const close = (): void => {
    client.destroy();
    server.destroy();
  };
  client.on('error', close).on('close', close);
  server.on('error', close).on('close', close);
});

listener.on('error', (error) => {
  console.error(`relay: ${error.message}`);
  process.exit(1);
});
listener.listen(listen.port, listen.host, () => console.log(`relay (${mode}) listening on ${listen.host}:${listen.port}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
