// pggit as its own process, started through its CLI. pggitPath() makes one
// path per set of extra flags (e.g. a variant with metrics off).
import { join } from 'node:path';
import { freePort } from '../src/cluster/index.js';
import { spawnServer, waitForPostgres } from './child.js';
import type { BenchPath } from './path.js';
import { pggitCommand, pggitMissing, ROOT } from './pggit-command.js';

/** Extra flags for every pggit path, split on spaces: PGGIT_BENCH_PGGIT_ARGS="--log-level warn". */
const EXTRA_ARGS = (process.env['PGGIT_BENCH_PGGIT_ARGS'] ?? '').split(' ').filter(Boolean);

export function pggitPath(name: string, description: string, flags: readonly string[] = []): BenchPath {
  return {
    name,
    description,
    async unavailable() {
      return pggitMissing();
    },
    async start(context) {
      const cli = await pggitCommand(context.log);
      const host = '127.0.0.1';
      const port = await freePort(host);
      const httpPort = await freePort(host);
      const { upstream } = context;
      const upstreamUrl = `postgres://${upstream.user}@${upstream.host}:${upstream.port}/postgres`;
      const args = [...cli.args, 'proxy', '--listen', `${host}:${port}`, '--upstream', upstreamUrl, '--http', `${host}:${httpPort}`, ...flags, ...EXTRA_ARGS];
      const server = await spawnServer({
        name,
        command: cli.command,
        args,
        cwd: ROOT,
        // Sessions are gone by the time we stop it: no need for the 30 s drain.
        env: { ...process.env, PGGIT_DRAIN_TIMEOUT: '1' },
        logFile: join(context.workDir, `${name}.log`),
      });
      await waitForPostgres(server, name, `postgres://${upstream.user}@${host}:${port}/${upstream.database}`);
      const details = { runner: cli.runner, flags: [...flags, ...EXTRA_ARGS].join(' '), pid: String(server.pid) };
      const metricsUrl = `http://${host}:${httpPort}/metrics`;
      return { host, port, pid: server.pid, metricsUrl, details, stop: () => server.stop() };
    },
  };
}
