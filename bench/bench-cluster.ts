// The throwaway PostgreSQL server the benchmark measures: a temp dir, a
// private port, settings for a select-only load, a pgbench database.
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LocalCluster, serverUser, SUPERUSER, type ServerUser } from '../src/cluster/index.js';
import { findPgbench, pgbenchInit, type PgbenchTarget } from './pgbench.js';

export const DATABASE = 'bench';

export interface BenchCluster {
  readonly cluster: LocalCluster;
  readonly target: PgbenchTarget;
  readonly workDir: string;
  readonly serverUser: ServerUser;
  readonly pgbench: string;
  readonly serverVersion: string;
  /** Stops the server; removes the temp dir unless keep. */
  stop(keep: boolean): Promise<void>;
}

/** Nothing is written during select-only runs, so durability can go. */
function settings(clients: number): Record<string, string> {
  return {
    max_connections: String(Math.max(100, clients * 6 + 20)),
    shared_buffers: '256MB',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    autovacuum: 'off', // no analyze landing in the middle of a round
    max_wal_size: '2GB',
    jit: 'off',
  };
}

export async function startBenchCluster(scale: number, clients: number, log: (message: string) => void): Promise<BenchCluster> {
  const user = await serverUser();
  const workDir = await mkdtemp(join(tmpdir(), 'pggit-bench-'));
  // As root the server runs as `postgres`: it must own the data dir's parent.
  if (user.switched) await chown(workDir, user.uid, user.gid);
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ dataDir: join(workDir, 'data'), settings: settings(clients), onProgress: log });
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async (keep: boolean): Promise<void> => {
    await cluster.stop();
    if (!keep) await rm(workDir, { recursive: true, force: true });
  };
  try {
    const serverVersion = await prepareDatabase(cluster.url());
    const target = { host: cluster.host, port: cluster.port, user: SUPERUSER, database: DATABASE };
    const pgbench = findPgbench(cluster.binaries.binDir);
    log(`pgbench -i -s ${scale} on ${cluster.host}:${cluster.port}/${DATABASE}`);
    await pgbenchInit(pgbench, target, scale);
    await query(cluster.url(DATABASE), 'checkpoint');
    return { cluster, target, workDir, serverUser: user, pgbench, serverVersion, stop };
  } catch (error) {
    await stop(false);
    throw error;
  }
}

async function prepareDatabase(url: string): Promise<string> {
  await query(url, `create database ${DATABASE}`);
  const rows = await query(url, 'show server_version');
  return String(rows[0]?.['server_version'] ?? 'unknown');
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
