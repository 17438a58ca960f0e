// The bare Node relays, nothing but bytes: `pipe` (socket.pipe both ways) or
// `onread` (server bytes read into a reused buffer with net's onread, client
// bytes by 'data' events, written with socket.write; pggit's own way). Run
// as its own process (bench/relay-path.ts) so it never shares an event loop
// with the proxy under test.
// usage: relay-server.ts pipe|onread LISTEN_HOST:PORT UPSTREAM_HOST:PORT
import net from 'node:net';

function hostPort(text: string | undefined): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`expected HOST:PORT, got "${text ?? ''}"`);
  return { host: match[1], port: Number(match[2]) };
}

const mode = process.argv[2];
if (mode !== 'pipe' && mode !== 'onread') throw new Error(`expected pipe or onread, got "${mode ?? ''}"`);
const listen = hostPort(process.argv[3]);
const upstream = hostPort(process.argv[4]);

function pipeRelay(client: net.Socket): net.Socket {
  const server = net.connect({ ...upstream, noDelay: true });
  client.pipe(server);
  server.pipe(client);
  return server;
}

/** Like pggit's relay: a reused read buffer, replaced while a pending write still points into it. */
function onreadRelay(client: net.Socket): net.Socket {
  let buffer = Buffer.allocUnsafe(64 * 1024);
  let lent = false;
  const server = net.connect({
    ...upstream,
    noDelay: true,
    onread: {
      buffer: () => {
        if (lent) {
          lent = false;
          buffer = Buffer.allocUnsafe(64 * 1024);
        }
        return buffer;
      },
      callback: (bytes, into) => {
        if (!client.write((into as Buffer).subarray(0, bytes))) server.pause();
        if (client.writableLength > 0) lent = true;
        return true;
      },
    },
  });
  client.on('drain', () => server.resume());
  client.on('data', (chunk: Buffer) => {
    if (!server.write(chunk)) client.pause();
  });
  server.on('drain', () => client.resume());
  return server;
}

// noDelay on both sockets: every real proxy (pgbouncer, pggit) disables Nagle.
const listener = net.createServer({ noDelay: true }, (client) => {
  const server = mode === 'pipe' ? pipeRelay(client) : onreadRelay(client);
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
