// The bare Node relays (relay-server.ts) in a process of their own: the
// floor a Node proxy cannot beat, so pggit/relay says what pggit's own work
// costs and relay/pgbouncer what Node's socket APIs cost.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/cluster/index.js';
import { spawnServer, waitForPostgres } from './child.js';
import { buildNativeRelay } from './native-relay.js';
import type { BenchPath } from './path.js';

const RELAY_SCRIPT = fileURLToPath(new URL('./relay-server.ts', import.meta.url));

export type RelayMode = 'pipe' | 'onread' | 'onread-both' | 'raw-handle' | 'native-thread' | 'native-uv' | 'native-uv-js';

export function relayPath(name: string, mode: RelayMode, description: string): BenchPath {
  return {
    name,
    description,
    async unavailable() {
      return mode.startsWith('native-') ? buildNativeRelay() : undefined;
    },
    async start(context) {
      const host = '127.0.0.1';
      const port = await freePort(host);
      const { upstream } = context;
      const server = await spawnServer({
        name,
        command: process.execPath,
        args: ['--import', 'tsx', RELAY_SCRIPT, mode, `${host}:${port}`, `${upstream.host}:${upstream.port}`],
        logFile: join(context.workDir, `${name}.log`),
      });
      await waitForPostgres(server, name, `postgres://${upstream.user}@${host}:${port}/${upstream.database}`);
      return { host, port, pid: server.pid, details: { pid: String(server.pid) }, stop: () => server.stop() };
    },
  };
}
