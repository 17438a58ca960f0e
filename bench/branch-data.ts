// Branches with data (issue 19), the same pgbench database made four ways in
// one run: `pggit branch create --with-data` (parallel COPY), CREATE DATABASE
// ... TEMPLATE ... STRATEGY FILE_COPY, pg_dump -Fd -j N then pg_restore -j N,
// and `--clone` where reflinks make it a clone (branch-clone-bench.ts runs
// that part on PostgreSQL 18 over XFS).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { createBranch, type CopyProgress } from '../src/branch/index.js';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';

export interface DataBranchTiming {
  readonly server: string;
  readonly megabytes: number;
  readonly jobs: number;
  readonly copySeconds: number;
  /** Where --with-data's time went: schema before the rows, the rows, indexes and constraints after. */
  readonly copyPhases: CopyPhases | null;
  readonly templateSeconds: number;
  readonly dumpRestoreSeconds: number | null;
  /** pg_dump's and pg_restore's shares of dumpRestoreSeconds. */
  readonly dumpSeconds: number | null;
  readonly cloneSeconds: number | null;
  /** `sync` of the filesystem before the clone (the source's pages written back), timed apart. */
  readonly cloneWritebackSeconds?: number | null;
  /** The same CREATE DATABASE with file_copy_method = clone, without pggit around it. */
  readonly rawCloneSeconds: number | null;
  /** How much the filesystem's used space grew with the clone. */
  readonly cloneGrowthMb: number | null;
  readonly loadAverage: readonly number[];
}

export interface DataBranchSource {
  readonly serverUrl: string;
  readonly database: string;
  readonly store: HistoryStore;
  readonly megabytes: number;
  readonly serverVersion: string;
}

/** A pgbench database of about `megabytes` with its history recorded (as a running proxy would have). */
export async function prepareSource(serverUrl: string, pgbench: string, megabytes: number, database = 'bdata'): Promise<DataBranchSource> {
  await adminQuery(serverUrl, async (admin) => {
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${database}%`]);
    for (const row of rows) await admin.query(`DROP DATABASE ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  });
  // pgbench_accounts rows with their index are ~150 bytes: scale 1 is about 15 MB.
  await run(pgbench, ['-i', '-q', '-s', String(Math.max(1, Math.round(megabytes / 15))), urlOf(serverUrl, database)]);
  const store = await recordBaseline(serverUrl, database);
  const info = await adminQuery(serverUrl, async (admin) => {
    const size = await admin.query(`SELECT pg_database_size($1)::float8 / 1048576 AS mb, current_setting('server_version') AS version`, [database]);
    return size.rows[0] as { mb: number; version: string };
  });
  return { serverUrl, database, store, megabytes: Math.round(info.mb), serverVersion: info.version };
}

export interface CopyPhases {
  /** Everything before the first row moves: the store, CREATE DATABASE, the schema without indexes. */
  readonly beforeRows: number;
  readonly rows: number;
  /** Indexes, constraints, triggers; then the store again. */
  readonly afterRows: number;
  /** Pieces the largest table was read in. */
  readonly largestTablePieces: number;
}

export async function timeCopy(source: DataBranchSource, name: string, jobs: number | undefined): Promise<{ seconds: number; jobs: number; phases: CopyPhases | null }> {
  const started = performance.now();
  let rowsStarted: number | undefined;
  let rowsEnded: number | undefined;
  const onProgress = (event: CopyProgress) => {
    const now = performance.now();
    if (event.event === 'post-data') {
      rowsEnded = now;
      rowsStarted = now - event.total.seconds * 1000;
    }
  };
  const created = await createBranch({ store: source.store, upstreamUrl: source.serverUrl }, { repository: source.database, name, withData: true, jobs, onProgress });
  const ended = performance.now();
  const largest = [...created.tables].sort((a, b) => b.bytes - a.bytes)[0];
  const phases =
    rowsStarted === undefined || rowsEnded === undefined
      ? null
      : { beforeRows: (rowsStarted - started) / 1000, rows: (rowsEnded - rowsStarted) / 1000, afterRows: (ended - rowsEnded) / 1000, largestTablePieces: largest?.pieces ?? 0 };
  return { seconds: (ended - started) / 1000, jobs: created.jobs ?? 1, phases };
}

export async function timeClone(source: DataBranchSource, name: string): Promise<{ seconds: number; method: string }> {
  const started = performance.now();
  const created = await createBranch({ store: source.store, upstreamUrl: source.serverUrl }, { repository: source.database, name, clone: true });
  return { seconds: (performance.now() - started) / 1000, method: created.method };
}

/** CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY; clone: with file_copy_method = clone (PostgreSQL 18). */
export async function timeTemplate(source: DataBranchSource, clone = false): Promise<number> {
  return adminQuery(source.serverUrl, async (admin) => {
    if (clone) await admin.query('SET file_copy_method = clone');
    const started = performance.now();
    await admin.query(`CREATE DATABASE ${source.database}_${clone ? 'clone' : 'tpl'} TEMPLATE ${source.database} STRATEGY FILE_COPY`);
    return (performance.now() - started) / 1000;
  });
}

/** pg_dump -Fd -j N into a temp dir, then pg_restore -j N into a new database; null without the tools. */
export async function timeDumpRestore(source: DataBranchSource, binDir: string, jobs: number): Promise<{ seconds: number; dumpSeconds: number } | null> {
  const pgDump = join(binDir, 'pg_dump');
  const pgRestore = join(binDir, 'pg_restore');
  if (!existsSync(pgDump) || !existsSync(pgRestore)) return null;
  const target = `${source.database}_dump`;
  await adminQuery(source.serverUrl, (admin) => admin.query(`CREATE DATABASE ${target}`));
  const dir = await mkdtemp(join(tmpdir(), 'pggit-bench-dump-'));
  try {
    const started = performance.now();
    await run(pgDump, ['-Fd', '-j', String(jobs), '-f', join(dir, 'dump'), urlOf(source.serverUrl, source.database)]);
    const dumped = performance.now();
    await run(pgRestore, ['-j', String(jobs), '-d', urlOf(source.serverUrl, target), join(dir, 'dump')]);
    return { seconds: (performance.now() - started) / 1000, dumpSeconds: (dumped - started) / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Records the database's history (its baseline) in `${database}_store`, as a running proxy would have; the store stays open. */
export async function recordBaseline(serverUrl: string, database: string): Promise<HistoryStore> {
  const store = connectStore({ url: urlOf(serverUrl, `${database}_store`) });
  const pools = new CatalogPools(serverUrl);
  const recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }) });
  await recorder.noteDatabase(database);
  await recorder.idle();
  recorder.stop();
  await pools.end();
  return store;
}

export async function adminQuery<T>(serverUrl: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

export function urlOf(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr}`))));
  });
}

export function formatDataBranch(timing: DataBranchTiming): string {
  const ratio = (seconds: number | null) => (seconds === null ? 'n/a' : `${(seconds / timing.copySeconds).toFixed(2)}x`);
  const row = (label: string, seconds: number | null, extra = '') =>
    `    ${label.padEnd(44)} ${seconds === null ? '   n/a' : `${seconds.toFixed(2).padStart(6)} s`}  (${ratio(seconds)} of COPY)${extra}`;
  return [
    `  ${timing.megabytes} MB pgbench database on PostgreSQL ${timing.server}, ${timing.jobs} jobs, load ${timing.loadAverage.join(' ')}:`,
    row(`pggit branch create --with-data --jobs ${timing.jobs}`, timing.copySeconds),
    ...(timing.copyPhases === null ? [] : [`      ${phasesLine(timing.copyPhases)}`]),
    row('CREATE DATABASE ... TEMPLATE (FILE_COPY)', timing.templateSeconds),
    row(`pg_dump -Fd -j ${timing.jobs} + pg_restore -j ${timing.jobs}`, timing.dumpRestoreSeconds),
    ...(timing.dumpSeconds === null || timing.dumpRestoreSeconds === null
      ? []
      : [`      pg_dump ${timing.dumpSeconds.toFixed(2)} s, pg_restore ${(timing.dumpRestoreSeconds - timing.dumpSeconds).toFixed(2)} s`]),
    ...(timing.cloneSeconds === null ? [] : [row('pggit branch create --clone (reflink)', timing.cloneSeconds, `, filesystem grew ${timing.cloneGrowthMb} MB${writeback(timing)}`)]),
    ...(timing.rawCloneSeconds === null ? [] : [row('CREATE DATABASE ... (file_copy_method = clone)', timing.rawCloneSeconds)]),
  ].join('\n');
}

function writeback(timing: DataBranchTiming): string {
  const seconds = timing.cloneWritebackSeconds;
  return seconds === null || seconds === undefined ? '' : `; the source written back first (sync) in ${seconds.toFixed(2)} s`;
}

function phasesLine(phases: CopyPhases): string {
  const pieces = phases.largestTablePieces > 1 ? ` (largest table in ${phases.largestTablePieces} pieces)` : '';
  return `before the rows ${phases.beforeRows.toFixed(2)} s, rows ${phases.rows.toFixed(2)} s${pieces}, indexes and constraints ${phases.afterRows.toFixed(2)} s`;
}

/** Parallel COPY, TEMPLATE and pg_dump/pg_restore of one source on the bench server, `rounds` times
 * (every other round restores first, so neither always runs on a cache the other warmed). */
export async function benchDataBranch(serverUrl: string, binDir: string, pgbench: string, megabytes: number, jobs: number | undefined, rounds: number): Promise<DataBranchTiming[]> {
  const source = await prepareSource(serverUrl, pgbench, megabytes);
  const timings: DataBranchTiming[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const name = `copy${round}`;
      const restoreFirst = round % 2 === 0;
      // A restore-first round uses the jobs the first round's copy picked.
      const restoredFirst = restoreFirst ? await timeDumpRestore(source, binDir, timings[0]!.jobs) : undefined;
      const copy = await timeCopy(source, name, jobs);
      const templateSeconds = await timeTemplate(source);
      const dumpRestore = restoreFirst ? restoredFirst : await timeDumpRestore(source, binDir, copy.jobs);
      timings.push({
        server: source.serverVersion,
        megabytes: source.megabytes,
        jobs: copy.jobs,
        copySeconds: copy.seconds,
        copyPhases: copy.phases,
        templateSeconds,
        dumpRestoreSeconds: dumpRestore?.seconds ?? null,
        dumpSeconds: dumpRestore?.dumpSeconds ?? null,
        cloneSeconds: null,
        rawCloneSeconds: null,
        cloneGrowthMb: null,
        loadAverage: loadAverage(),
      });
      await dropCopies(source, [`${source.database}@${name}`, `${source.database}_tpl`, `${source.database}_dump`]);
    }
    return timings;
  } finally {
    await source.store.pool.end();
  }
}

/** Drops a round's databases, so the next round starts from the same disk use. */
export async function dropCopies(source: DataBranchSource, databases: readonly string[]): Promise<void> {
  await adminQuery(source.serverUrl, async (admin) => {
    for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  });
}

export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}
