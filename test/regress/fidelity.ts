// The recorded schema's fidelity: a schema script (what `pggit schema --at
// HEAD` prints) replayed into an empty database of the same cluster, then
// `pg_dump --schema-only` of that copy compared line by line with the dump
// of the live database. The dumps are normalised (comments, blank lines and
// SET lines dropped) and compared as multisets of lines, so pg_dump's
// choice among equally valid orders does not count.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { run } from './exec.js';

export interface Fidelity {
  /** Normalised lines of the live database's dump. */
  readonly linesCompared: number;
  /** Lines in one dump and not in the other, counted on both sides. */
  readonly linesDiffering: number;
  /** Statements of the script that failed on replay. */
  readonly replayErrors: number;
  /** The first replay errors and differing lines, for the report. */
  readonly errorSample: readonly string[];
  readonly diffSample: readonly string[];
}

export interface FidelityTarget {
  /** Directory of psql and pg_dump. */
  readonly binDir: string;
  /** postgres:// URL of the cluster's maintenance database (a superuser). */
  readonly adminUrl: string;
  /** The database whose schema was recorded. */
  readonly database: string;
}

function urlOf(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Replays `script` into a fresh database, compares its dump with the live one, drops the copy. */
export async function measureFidelity(target: FidelityTarget, script: string): Promise<Fidelity> {
  const copy = `pggit_fidelity_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: target.adminUrl });
  await admin.connect();
  const dir = await mkdtemp(join(tmpdir(), 'pggit-fidelity-'));
  try {
    await admin.query(`CREATE DATABASE ${copy} TEMPLATE template0`);
    const file = join(dir, 'schema.sql');
    await writeFile(file, script);
    const replay = await run(join(target.binDir, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=0', '-d', urlOf(target.adminUrl, copy), '-f', file], {
      env: cleanEnv(),
    });
    const errors = replay.stderr.split('\n').filter((line) => /^psql:.*\bERROR:/.test(line));
    const [live, replayed] = await Promise.all([
      dumpSchema(target.binDir, urlOf(target.adminUrl, target.database)),
      dumpSchema(target.binDir, urlOf(target.adminUrl, copy)),
    ]);
    const comparison = compareDumps(live, replayed);
    return { ...comparison, replayErrors: errors.length, errorSample: errors.slice(0, 20) };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${copy} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C' };
}

async function dumpSchema(binDir: string, url: string): Promise<string> {
  const result = await run(join(binDir, 'pg_dump'), ['--schema-only', '--dbname', url], { env: cleanEnv() });
  if (result.code !== 0) throw new Error(`pg_dump of ${new URL(url).pathname} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The lines of a dump that describe the schema (no comments, blank lines or SET lines). */
export function normalisedLines(dump: string): string[] {
  return dump
    .split('\n')
    .filter(
      (line) =>
        line.trim() !== '' &&
        !line.startsWith('--') &&
        !/^\\(un)?restrict /.test(line) &&
        !/^SET [a-z_]+ = /.test(line) &&
        !line.startsWith("SELECT pg_catalog.set_config('search_path'"),
    );
}

/** Lines of the live dump, and the lines either dump has more of than the other (with + / - marks). */
export function compareDumps(live: string, replayed: string): Pick<Fidelity, 'linesCompared' | 'linesDiffering' | 'diffSample'> {
  const left = normalisedLines(live);
  const right = normalisedLines(replayed);
  const counts = new Map<string, number>();
  for (const line of left) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of right) counts.set(line, (counts.get(line) ?? 0) - 1);
  const sample: string[] = [];
  let differing = 0;
  for (const [line, count] of counts) {
    if (count === 0) continue;
    differing += Math.abs(count);
    if (sample.length < 40) sample.push(`${count > 0 ? '- live only: ' : '+ copy only: '}${line}`);
  }
  return { linesCompared: left.length, linesDiffering: differing, diffSample: sample };
}
