// The bare Node relay (relay-server.ts) in a process of its own: the floor a
// Node proxy cannot beat, so pggit/relay says what pggit's own work costs.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/cluster/index.js';
import { spawnServer, waitForPostgres } from './child.js';
import type { BenchPath } from './path.js';

const RELAY_SCRIPT = fileURLToPath(new URL('./relay-server.ts', import.meta.url));

export const relayPath: BenchPath = {
  name: 'relay',
  description: 'bare Node socket.pipe relay, separate process',
  async start(context) {
    const host = '127.0.0.1';
    const port = await freePort(host);
    const { upstream } = context;
    const server = await spawnServer({
      name: 'relay',
      command: process.execPath,
      args: ['--import', 'tsx', RELAY_SCRIPT, `${host}:${port}`, `${upstream.host}:${upstream.port}`],
      logFile: join(context.workDir, 'relay.log'),
    });
    await waitForPostgres(server, 'relay', `postgres://${upstream.user}@${host}:${port}/${upstream.database}`);
    return { host, port, pid: server.pid, details: { pid: String(server.pid) }, stop: () => server.stop() };
  },
};
