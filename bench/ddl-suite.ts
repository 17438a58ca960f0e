// `npm run bench -- ddl`: starts pggit (defaults, its own store) beside the
// direct path and runs the DDL throughput rounds against both.
import type { BenchCluster } from './bench-cluster.js';
import { benchDdlThroughput, type DdlMeasurement, type DdlTarget } from './ddl-throughput.js';
import { formatDdl, summariseDdl, type DdlSummary } from './ddl-report.js';
import { directPath } from './direct-path.js';
import type { BenchOptions } from './options.js';
import type { PathContext } from './path.js';
import { pggitPath } from './pggit-path.js';

export interface DdlResults {
  readonly settings: string;
  readonly measurements: readonly DdlMeasurement[];
  readonly summaries: readonly DdlSummary[];
}

export async function runDdlSuite(bench: BenchCluster, options: BenchOptions, log: (message: string) => void): Promise<DdlResults> {
  const { ddl } = options;
  const maxSessions = Math.max(...ddl.sessions);
  const context: PathContext = { upstream: bench.target, workDir: bench.workDir, serverUser: bench.serverUser, clients: maxSessions, log };
  const paths = [directPath, pggitPath('pggit', 'pggit proxy, default settings')];
  const stops: Array<() => Promise<void>> = [];
  try {
    const targets: DdlTarget[] = [];
    for (const path of paths) {
      const reason = await path.unavailable?.();
      if (reason) throw new Error(`cannot run the DDL benchmark: ${path.name}: ${reason}`);
      const running = await path.start(context);
      stops.push(() => running.stop());
      targets.push({ name: path.name, host: running.host, port: running.port, metricsUrl: running.metricsUrl });
    }
    const measurements = await benchDdlThroughput(
      targets,
      {
        pgbench: bench.pgbench,
        serverUrl: bench.cluster.url(),
        user: bench.target.user,
        workDir: bench.workDir,
        seconds: ddl.seconds,
        rounds: ddl.rounds,
        sessions: ddl.sessions,
        databaseCounts: ddl.databaseCounts,
        schemaTables: ddl.schemaTables,
      },
      log,
    );
    const settings = `pgbench -f (CREATE TABLE, ALTER TABLE ADD COLUMN, DROP TABLE; autocommit) -T ${ddl.seconds}, ${ddl.rounds} round(s), direct and pggit alternating`;
    return { settings, measurements, summaries: summariseDdl(measurements) };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => log(`stopping: ${error.message}`));
  }
}

export function formatDdlResults(results: DdlResults): string {
  return formatDdl(results.summaries, results.settings);
}
