// `npm run test:regress`: PostgreSQL's own regression suite, run directly
// against a throwaway cluster and then through the pggit proxy in front of a
// second, identical one. Fails when a test fails only through the proxy.
// Exit: 0 no proxied-only failure, 1 proxied-only failures, 2 could not run.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalCluster, serverUser, type ServerUser } from '../../src/cluster/index.js';
import { startFront, type Front, type FrontKind } from './front.js';
import { say, seconds, SetupError } from './log.js';
import { buildModules } from './modules.js';
import { parseCommand, usage, type RegressCommand } from './options.js';
import { runPgRegress } from './pg-regress.js';
import { printDiffHead, printFidelity, printSummary, printTable, printWallTimes, writeDiffFiles, type ReportedRun } from './report.js';
import { recordedFidelity, type RecordedFidelity } from './recorded.js';
import { compare, onlyGuardWarnings, parseVerdicts } from './results.js';
import { installedServer, type InstalledServer } from './server.js';
import { regressionSource, versionCacheDir } from './source.js';
import { makeWorkDir, type WorkDir } from './workdir.js';

/**
 * Of the settings pg_regress gives its own temporary instance, the one that
 * changes outcomes (prepared_xacts runs for real instead of its "disabled"
 * variant), plus speed.
 */
const SERVER_SETTINGS = { fsync: 'off', max_prepared_transactions: '2' };

interface Setup {
  readonly command: RegressCommand;
  readonly server: InstalledServer;
  readonly user: ServerUser;
  readonly work: WorkDir;
}

async function main(): Promise<number> {
  let command: RegressCommand;
  try {
    command = parseCommand(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof SetupError) throw error;
    throw new SetupError(`${(error as Error).message} (see --help)`);
  }
  if (command.help) {
    process.stdout.write(usage);
    return 0;
  }
  const started = Date.now();
  const server = await installedServer();
  say(`server: PostgreSQL ${server.version} from ${server.binaries.binDir} (${server.deb.name} ${server.deb.version})`);
  const source = await regressionSource(server, command.cacheDir);
  say(`suite: ${source.regressDir} (source ${server.deb.sourceName} ${source.version})`);
  const libDir = await buildModules(server, source, versionCacheDir(command.cacheDir, server));
  const user = await serverUser();
  const work = await makeWorkDir(source, libDir, user);
  say(`work directory: ${work.root}${user.switched ? ` (owned by "${user.name}", who runs the server and pg_regress)` : ''}`);
  const setup: Setup = { command, server, user, work };

  try {
    const direct = await runOnce(setup, 'direct', undefined);
    const proxied = await runOnce(setup, 'proxied', command.via);
    say(`both runs done in ${seconds(Date.now() - started)}`);
    return await judge(direct, proxied);
  } finally {
    // The outputs stay (results/, regression.diffs, logs); the copies of the suite go.
    if (!command.keep) await rm(work.inputDir, { recursive: true, force: true });
    if (!command.keep) await rm(work.libDir, { recursive: true, force: true });
  }
}

interface Outcome extends ReportedRun {
  readonly frontDeath: string | undefined;
  /** Through pggit: the recorded head of `regression` against the live database. */
  readonly recorded?: RecordedFidelity;
}

async function runOnce({ command, server, user, work }: Setup, label: string, via: FrontKind | undefined): Promise<Outcome> {
  const dir = await work.runDir(label);
  const outputDir = await work.runDir(join(label, 'out'));
  const dataDir = join(dir, 'pgdata');
  say(`${label}: starting a throwaway cluster in ${dataDir}`);
  const cluster = await LocalCluster.start({ dataDir, binaries: server.binaries, settings: SERVER_SETTINGS, onProgress: say });
  let front: Front | undefined;
  try {
    if (via) front = await startFront(via, { host: cluster.host, port: cluster.port }, join(dir, 'pggit.log'));
    const target = front ? `${front.name} at ${front.host}:${front.port} -> :${cluster.port}` : `PostgreSQL at ${cluster.host}:${cluster.port}`;
    say(`${label}: pg_regress via ${target}`);
    const run = await runPgRegress({
      label,
      server,
      work,
      user,
      outputDir,
      host: front?.host ?? cluster.host,
      port: front?.port ?? cluster.port,
      tests: command.tests,
    });
    say(`${label}: pg_regress exited with ${run.exitCode} after ${seconds(run.durationMs)}`);
    const frontDeath = front?.death();
    let recorded: RecordedFidelity | undefined;
    if (via === 'pggit' && front) {
      // The recorder may still be behind the traffic: let it write every
      // queued commit before the proxy stops, so the head is the run's end.
      say(`${label}: waiting for the recorder to write what it queued`);
      await front.drained();
      await front.close();
      say(`${label}: replaying the recorded schema of "regression" and comparing pg_dump -s`);
      recorded = await recordedFidelity(cluster, server.binaries.binDir, join(dir, 'pggit.log'));
    }
    return { run, target, verdicts: parseVerdicts(run.log), frontDeath, ...(recorded ? { recorded } : {}) };
  } finally {
    await front?.close();
    await cluster.stop();
    if (!command.keep) await rm(dataDir, { recursive: true, force: true });
  }
}

async function judge(direct: Outcome, proxied: Outcome): Promise<number> {
  if (direct.verdicts.size === 0) {
    say(`the direct run produced no test results (pg_regress exit ${direct.run.exitCode}):\n${direct.run.log.trim()}`);
    return 2;
  }
  const comparison = compare(direct.verdicts, proxied.verdicts);
  say('');
  printSummary([direct, proxied]);
  printWallTimes(direct, proxied);
  printTable(direct.verdicts, proxied.verdicts, comparison);
  const directDiffs = await writeDiffFiles(direct.run);
  const proxiedDiffs = await writeDiffFiles(proxied.run);
  for (const name of comparison.both) {
    say(`failed both ways (environment, not the proxy): ${name}: ${directDiffs.get(name) ?? '?'} / ${proxiedDiffs.get(name) ?? '?'}`);
  }
  for (const name of comparison.directOnly) {
    say(`failed only directly (flaky?): ${name}: ${directDiffs.get(name) ?? '?'}`);
  }
  if (proxied.frontDeath) say(`the proxy died during the run: ${proxied.frontDeath}`);
  const unfaithful = proxied.recorded ? printFidelity(proxied.recorded) : false;
  if (comparison.missing.length > 0) {
    const some = comparison.missing.slice(0, 20).join(' ');
    const more = comparison.missing.length > 20 ? ` and ${comparison.missing.length - 20} more` : '';
    say(`no result through the proxy for ${comparison.missing.length} test(s): ${some}${more} (pg_regress exit ${proxied.run.exitCode})`);
  }
  const failedOnlyThroughProxy: string[] = [];
  for (const name of comparison.proxiedOnly) {
    const file = proxiedDiffs.get(name);
    const warnings = file ? onlyGuardWarnings(await readFile(file, 'utf8')) : undefined;
    if (warnings !== undefined) {
      // The guard did its job (default --guard warn): the test's results are otherwise the same.
      say(`differs only by ${warnings} pggit guard warning(s) about DDL on a big table: ${name}: ${file}`);
      continue;
    }
    failedOnlyThroughProxy.push(name);
    say(`FAILED ONLY THROUGH THE PROXY: ${name}: ${file ?? join(proxied.run.outputDir, 'regression.diffs')}`);
    if (file) await printDiffHead(file);
  }
  const extra = failedOnlyThroughProxy.length + comparison.missing.length;
  const bad = extra > 0 || proxied.frontDeath !== undefined || unfaithful;
  say(`extra failures through the proxy: ${extra}`);
  say(
    bad
      ? `FAIL: ${extra > 0 ? `${extra} test(s) fail only through the proxy` : unfaithful ? 'the recorded schema differs from the live one' : 'the proxy died'}`
      : `PASS: no test fails through the proxy that does not fail directly (${proxied.verdicts.size} tests), and the recorded schema replays to the live one`,
  );
  return bad ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof SetupError) say(`cannot run the suite: ${error.message}`);
    else say(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 2;
  },
);
