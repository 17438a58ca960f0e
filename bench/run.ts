// npm run bench: pgbench select-only directly, through pggit, through a bare
// Node relay and through pgbouncer, interleaved in rounds; recorder lag;
// branch creation; DDL throughput. Prints TPS and ratios and writes
// bench/results/latest.json. `npm run bench -- ddl` runs one suite;
// `npm run bench -- --help`.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { startBenchCluster, type BenchCluster } from './bench-cluster.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { readOptions, USAGE, type BenchOptions, type Suite } from './options.js';
import type { PathContext, RunningPath } from './path.js';
import { selectPaths } from './paths.js';
import { formatPrefilter, runPrefilterBench } from './prefilter-hook.js';
import { benchRecorderLag, formatLag, type LagResult } from './recorder-lag.js';
import { benchBranchCreate, formatBranchTimings, type BranchTiming } from './branch-create.js';
import { benchDataBranch, formatDataBranch } from './branch-data.js';
import { benchCloneOnXfs } from './branch-clone-bench.js';
import { formatDdlResults, runDdlSuite } from './ddl-suite.js';
import { benchHistoryScale, formatHistoryScale } from './history-scale.js';
import { benchPlanDiff, formatPlanDiff, type PlanDiffResult } from './plan-diff.js';
import { formatReport } from './report.js';
import { benchHotPath, formatHotPath } from './hot-path.js';
import { benchLatency, formatLatency } from './latency.js';
import { benchStreaming, formatStreaming } from './streaming.js';
import { runRounds, type LoopTarget } from './rounds.js';
import { headlineRatios, summarise } from './summary.js';

const log = (message: string): void => console.error(`[bench] ${message}`);

/** Everything started so far, stopped in reverse order on exit or Ctrl-C. */
const cleanups: (() => Promise<void>)[] = [];

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: Error) => log(`cleanup: ${error.message}`));
}

async function main(options: BenchOptions): Promise<void> {
  const startedAt = new Date().toISOString();
  const runs = (suite: Suite) => options.suites.includes(suite);
  // max_connections must fit the largest DDL load through pggit (its pools included).
  const clients = Math.max(options.clients, ...(runs('ddl') ? options.ddl.sessions : []));
  const bench: BenchCluster = await startBenchCluster(runs('select') ? options.scale : 1, clients, log);
  cleanups.push(() => bench.stop(options.keep));
  if (options.keep) log(`keeping ${bench.workDir}`);
  const machine = await machineInfo(bench.serverVersion, bench.pgbench);
  const results: Record<string, unknown> = { startedAt, options, machine };
  const printed: string[] = [];

  if (runs('select')) {
    const select = await runSelectSuite(bench, options, machine);
    printed.push(select.text);
    Object.assign(results, select.results);
  }
  if (runs('lag')) {
    log('measuring recorder lag at 10 and 2,000 tables');
    results['recorderLag'] = await benchRecorderLag(bench.cluster.url(), options.quick ? [10, 200] : [10, 2000]);
    printed.push(formatLag(results['recorderLag'] as LagResult[]));
  }
  if (runs('branch')) {
    log('measuring branch creation (500-table schema)');
    results['branchCreation'] = await benchBranchCreate(bench.cluster.url(), bench.cluster.binaries.binDir);
    printed.push(formatBranchTimings(results['branchCreation'] as BranchTiming[]));
    log(`measuring branches with data (~${options.branch.megabytes} MB): parallel COPY, TEMPLATE, pg_dump/pg_restore`);
    const data = await benchDataBranch(bench.cluster.url(), bench.cluster.binaries.binDir, bench.pgbench, options.branch.megabytes, options.branch.jobs, options.rounds);
    log('measuring --clone on PostgreSQL 18 over XFS with reflinks');
    const clone = await benchCloneOnXfs(bench.pgbench, options.branch.megabytes, options.branch.jobs, options.rounds, log);
    results['dataBranches'] = { data, clone };
    const cloneText = 'notRun' in clone ? `  --clone on XFS not run: ${clone.notRun}` : clone.map(formatDataBranch).join('\n');
    printed.push(['branches with data (one block per round):', ...data.map(formatDataBranch), cloneText].join('\n'));
  }
  if (runs('ddl')) {
    log('measuring DDL throughput (pggit vs direct)');
    const ddl = await runDdlSuite(bench, options, log);
    results['ddlThroughput'] = ddl;
    printed.push(formatDdlResults(ddl));
  }
  if (runs('history')) {
    const history = await benchHistoryScale(bench.cluster.url(), options.history.tables, options.history.commits, log);
    results['historyScale'] = history;
    printed.push(formatHistoryScale(history));
  }
  if (runs('plan')) {
    log('measuring the diff planner (empty vs 2,000 tables; one table changed)');
    results['planDiff'] = await benchPlanDiff(bench.cluster.url(), options.quick ? 200 : 2000);
    printed.push(formatPlanDiff(results['planDiff'] as PlanDiffResult));
  }
  await cleanUp();

  results['finishedAt'] = new Date().toISOString();
  results['loadAverageAtEnd'] = os.loadavg().map((value) => Math.round(value * 100) / 100);
  console.log(printed.join('\n\n'));
  await mkdir(dirname(options.output), { recursive: true });
  await writeFile(options.output, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults written to ${options.output}`);
}

/** pgbench select-only through every path, interleaved; the prefilter microbenchmark. */
async function runSelectSuite(bench: BenchCluster, options: BenchOptions, machine: MachineInfo): Promise<{ text: string; results: Record<string, unknown> }> {
  const paths = selectPaths(options.paths);
  const context: PathContext = {
    upstream: bench.target,
    workDir: bench.workDir,
    serverUser: bench.serverUser,
    clients: options.clients,
    log,
  };
  const targets: LoopTarget[] = [];
  const details: Record<string, Readonly<Record<string, string>>> = {};
  const skipped: { path: string; reason: string }[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const path of paths) {
      const reason = await path.unavailable?.();
      if (reason) {
        log(`skipping ${path.name}: ${reason}`);
        skipped.push({ path: path.name, reason });
        continue;
      }
      log(`starting ${path.name}: ${path.description}`);
      const running: RunningPath = await path.start(context);
      stops.push(() => running.stop());
      targets.push({ name: path.name, host: running.host, port: running.port, pid: running.pid });
      details[path.name] = { description: path.description, ...running.details };
    }
    const measurements = await runRounds(
      targets,
      { ...options, pgbench: bench.pgbench, user: bench.target.user, database: bench.target.database },
      log,
    );
    const summaries = summarise(measurements, targets.map((t) => t.name), options.modes);
    const ratios = headlineRatios(summaries, measurements);
    const settings =
      `pgbench -S -c ${options.clients} -j ${options.jobs} -T ${options.seconds}, scale ${options.scale}, ` +
      `${options.rounds} interleaved round(s), ${options.warmupSeconds} s warm-up`;
    const descriptions = new Map(paths.map((path) => [path.name, path.description]));
    const loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
    const report = formatReport({ machine, settings, summaries, ratios, descriptions, details, loadAverageAtEnd, skipped });
    const who = { user: bench.target.user, database: bench.target.database, rounds: options.rounds };
    const latencyTargets = targets.filter((t) => ['direct', 'pggit', 'pgbouncer', 'relay-onread', 'relay-c'].includes(t.name));
    const latency = await benchLatency(bench.pgbench, latencyTargets, { ...who, seconds: Math.max(2, Math.round(options.seconds / 2)) }, log);
    const streamTargets = targets.filter((t) => ['direct', 'pggit', 'relay', 'relay-onread', 'relay-c', 'pgbouncer'].includes(t.name));
    const streaming = await benchStreaming(streamTargets, who, log);
    const prefilter = await runPrefilterBench();
    const hotPath = options.modes.flatMap((mode) => [benchHotPath(mode, 200_000, false), benchHotPath(mode)]);
    const sections = [report, formatLatency(latency), formatStreaming(streaming), formatHotPath(hotPath), formatPrefilter(prefilter)];
    return {
      text: sections.join('\n\n'),
      results: { paths: details, skipped, measurements, summaries, ratios, latency, streaming, hotPath, prefilter },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => log(`stopping: ${error.message}`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let options: BenchOptions | 'help';
try {
  options = readOptions(process.argv.slice(2), process.env);
  if (options !== 'help') selectPaths(options.paths); // unknown names fail here, before any work
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
} else {
  try {
    await main(options);
  } catch (error) {
    console.error(`[bench] failed: ${(error as Error).stack ?? String(error)}`);
    await cleanUp();
    process.exitCode = 1;
  }
}
