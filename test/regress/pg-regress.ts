// One pg_regress run of the parallel schedule against a host and port, as the
// account the server runs as (its output directory is shared with the server).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SUPERUSER, type ServerUser } from '../../src/cluster/index.js';
import { run } from './exec.js';
import type { InstalledServer } from './server.js';
import type { WorkDir } from './workdir.js';

export interface RegressOptions {
  readonly label: string;
  readonly server: InstalledServer;
  readonly work: WorkDir;
  readonly user: ServerUser;
  readonly outputDir: string;
  readonly host: string;
  readonly port: number;
  /** Run only these tests (in order) instead of the parallel schedule. */
  readonly tests?: readonly string[];
}

export interface RegressRun {
  readonly label: string;
  readonly outputDir: string;
  /** pg_regress: 0 all passed, 1 some failed, 2 could not run. */
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** regression.out, or what pg_regress printed when it wrote none. */
  readonly log: string;
}

export async function runPgRegress(options: RegressOptions): Promise<RegressRun> {
  const { work, server } = options;
  const selection =
    options.tests && options.tests.length > 0 ? [...options.tests] : [`--schedule=${join(work.inputDir, 'parallel_schedule')}`];
  const args = [
    `--inputdir=${work.inputDir}`,
    `--outputdir=${options.outputDir}`,
    `--bindir=${server.binaries.binDir}`,
    `--dlpath=${work.libDir}`,
    `--host=${options.host}`,
    `--port=${options.port}`,
    `--user=${SUPERUSER}`,
    // As the source tree's `make installcheck-parallel` does.
    '--max-concurrent-tests=20',
    ...selection,
  ];
  const started = Date.now();
  const result = await run(server.pgRegress, args, {
    cwd: options.outputDir,
    env: regressEnv(options.outputDir),
    echo: `[${options.label}] `,
    ...(options.user.switched ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  const durationMs = Date.now() - started;
  const log = await readFile(join(options.outputDir, 'regression.out'), 'utf8').catch(
    () => `${result.stdout}${result.stderr}`,
  );
  return { label: options.label, outputDir: options.outputDir, exitCode: result.code, durationMs, log };
}

/** A clean environment: no PG* variables of ours may steer psql elsewhere. */
function regressEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C' };
}
