// The bare Node relays, nothing but bytes: `pipe` (socket.pipe both ways),
// `onread` (server bytes read into a reused buffer with net's onread, client
// bytes by 'data' events, written with socket.write; pggit's way before), or
// `onread-both` (client bytes too: an accepted socket cannot be given onread
// through the public API, so this one moves the accepted socket's internal
// `_handle` into a new Socket; pggit does the same after the startup, see
// src/proxy/client-handle.ts). Run as its own
// process (bench/relay-path.ts) so it never shares an event loop with the
// proxy under test.
// usage: relay-server.ts pipe|onread|onread-both LISTEN_HOST:PORT UPSTREAM_HOST:PORT
import net from 'node:net';

function hostPort(text: string | undefined): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`expected HOST:PORT, got "${text ?? ''}"`);
  return { host: match[1], port: Number(match[2]) };
}

const mode = process.argv[2];
if (mode !== 'pipe' && mode !== 'onread' && mode !== 'onread-both') throw new Error(`expected pipe, onread or onread-both, got "${mode ?? ''}"`);
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

// noDelay on both sockets: every real proxy (pgbouncer, pggit) disables Nagle.
const listener = net.createServer({ noDelay: true, pauseOnConnect: mode === 'onread-both' }, (accepted) => {
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
