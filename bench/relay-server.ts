// The bare Node relay: socket.pipe both ways, nothing else. Run as its own
// process (bench/relay-path.ts) so it never shares an event loop with the
// proxy under test.  usage: relay-server.ts LISTEN_HOST:PORT UPSTREAM_HOST:PORT
import net from 'node:net';

function hostPort(text: string | undefined): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`expected HOST:PORT, got "${text ?? ''}"`);
  return { host: match[1], port: Number(match[2]) };
}

const listen = hostPort(process.argv[2]);
const upstream = hostPort(process.argv[3]);

// noDelay on both sockets: every real proxy (pgbouncer, pggit) disables Nagle.
const server = net.createServer({ noDelay: true }, (client) => {
  const server = net.connect({ ...upstream, noDelay: true });
  const close = (): void => {
    client.destroy();
    server.destroy();
  };
  client.on('error', close).on('close', close);
  server.on('error', close).on('close', close);
  client.pipe(server);
  server.pipe(client);
});

server.on('error', (error) => {
  console.error(`relay: ${error.message}`);
  process.exit(1);
});
server.listen(listen.port, listen.host, () => console.log(`relay listening on ${listen.host}:${listen.port}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
