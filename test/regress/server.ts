// The installed PostgreSQL server the suite runs against: its binaries, its
// version, and the Debian package (and source package) it came from.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findPgBinaries, type PgBinaries } from '../../src/cluster/index.js';
import { mustRun, run } from './exec.js';
import { SetupError } from './log.js';

export interface InstalledServer {
  readonly binaries: PgBinaries;
  readonly pgConfig: string;
  /** Upstream version, e.g. "15.18". */
  readonly version: string;
  /** Major version, e.g. "15". */
  readonly major: string;
  /** pg_regress as shipped with the server (Debian: postgresql-client-NN). */
  readonly pgRegress: string;
  readonly deb: DebianPackage;
}

export interface DebianPackage {
  /** Binary package owning the postgres executable, e.g. postgresql-15. */
  readonly name: string;
  /** Its installed version, e.g. 15.18-0+deb12u1. */
  readonly version: string;
  readonly sourceName: string;
  readonly sourceVersion: string;
}

export async function installedServer(): Promise<InstalledServer> {
  const binaries = findPgBinaries();
  const postgres = join(binaries.binDir, 'postgres');
  const pgConfig = join(binaries.binDir, 'pg_config');
  if (!existsSync(pgConfig)) {
    throw new SetupError(`${binaries.binDir} has no pg_config; install the client package (apt-get install postgresql-client)`);
  }
  const serverVersion = upstreamVersion(await mustRun(postgres, ['--version']));
  const configVersion = upstreamVersion(await mustRun(pgConfig, ['--version']));
  if (serverVersion !== configVersion) {
    throw new SetupError(`postgres is ${serverVersion} but pg_config in the same directory says ${configVersion}`);
  }
  const major = serverVersion.split('.')[0] ?? serverVersion;
  const pgxs = (await mustRun(pgConfig, ['--pgxs'])).trim();
  const pgRegress = join(dirname(dirname(pgxs)), 'test', 'regress', 'pg_regress');
  if (!existsSync(pgRegress)) {
    throw new SetupError(`pg_regress is missing at ${pgRegress}; on Debian it comes with postgresql-client-${major}`);
  }
  return { binaries, pgConfig, version: serverVersion, major, pgRegress, deb: await debianPackage(postgres) };
}

/** "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" -> "15.18" */
export function upstreamVersion(versionLine: string): string {
  const match = /PostgreSQL\)?\s+(\d+(?:\.\d+)*(?:devel|beta\d+|rc\d+)?)/.exec(versionLine);
  if (!match?.[1]) throw new Error(`cannot read a PostgreSQL version from "${versionLine.trim()}"`);
  return match[1];
}

async function debianPackage(postgres: string): Promise<DebianPackage> {
  const owner = await run('dpkg-query', ['-S', postgres]).catch(() => undefined);
  const name = owner?.code === 0 ? owner.stdout.split(':')[0]?.trim() : undefined;
  if (!name) {
    throw new SetupError(
      `${postgres} does not come from a Debian package. The regression suite is taken from the server's ` +
        `own source with apt-get source, so it needs a Debian/Ubuntu PostgreSQL: apt-get install postgresql, ` +
        `or point PGGIT_PG_BIN at /usr/lib/postgresql/<major>/bin`,
    );
  }
  const fields = await mustRun('dpkg-query', ['-W', '-f=${Version}\t${source:Package}\t${source:Version}', name]);
  const [version = '', sourceName = '', sourceVersion = ''] = fields.trim().split('\t');
  return { name, version, sourceName: sourceName || name, sourceVersion: sourceVersion || version };
}
