// `npm run fuzz -- --sessions N [--concurrency C] [--seed S] [--rate TPS]`:
// starts a throwaway PostgreSQL and `pggit proxy` (every default), fuzzes
// the proxy with N mutated client sessions while pgbench runs beside them
// at a steady rate, and prints what happened. Fails (exit 1) on a crash, an
// error of pgbench, a reply that is not a clear protocol message, a session
// the proxy left open, or heap (after a full collection) that did not come
// back to its baseline.
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { LocalCluster, serverUser } from '../../src/cluster/index.js';
import { startProxyProcess } from '../harness/proxy-process.js';
import { snapshotNodeArgs } from './collected-memory.js';
import { heapGrowth } from './heap-diff.js';
import { liveFuzz } from './live-fuzz.js';
import { initPgbench } from './steady-pgbench.js';
import { describeFuzz, fuzzProblems } from './verdict.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    rate: { type: 'string', default: '50' },
    'pgbench-seconds': { type: 'string', default: '10' },
    'keep-snapshots': { type: 'boolean', default: false },
  },
});
const sessions = Number(values.sessions);
const seed = Number(values.seed);

const workDir = await mkdtemp(join(tmpdir(), 'pggit-fuzz-'));
const snapshotDir = join(workDir, 'heap');
await mkdir(snapshotDir);
const user = await serverUser();
if (user.switched) await chown(workDir, user.uid, user.gid);
const cluster = await LocalCluster.start({ dataDir: join(workDir, 'data'), settings: { fsync: 'off', max_connections: '200' } });
let failed: string[] = [];
const proxy = await (async () => {
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE fuzz');
  await admin.end();
  await initPgbench(cluster.url('fuzz'), 1);
  return startProxyProcess(['--upstream', cluster.url('fuzz'), '--log-level', 'info'], {}, snapshotNodeArgs(snapshotDir));
})().catch(async (error: unknown) => {
  await cluster.stop();
  throw error;
});
try {
  console.log(`fuzzing pggit proxy on port ${proxy.port} with ${sessions} sessions after ${values.warmup} warm-up sessions, seed ${seed}`);
  const report = await liveFuzz({
    proxy,
    snapshotDir,
    port: proxy.port,
    database: 'fuzz',
    user: 'postgres',
    sessions,
    warmupSessions: Number(values.warmup),
    concurrency: Number(values.concurrency),
    seed,
    pgbenchUrl: `postgres://postgres@127.0.0.1:${proxy.port}/fuzz`,
    pgbenchRate: Number(values.rate),
    pgbenchRunSeconds: Number(values['pgbench-seconds']),
    onProgress: (done) => process.stdout.write(`\r${done} sessions`),
  });
  console.log(`\n${describeFuzz(report).join('\n')}`);
  console.log('  heap growth by kind (after a full GC, vs the baseline):');
  for (const g of await heapGrowth(report.baseline.snapshot, report.after.snapshot)) console.log(`    ${g.group}: ${g.count >= 0 ? '+' : ''}${g.count} objects, ${(g.bytes / 1024).toFixed(0)} kB`);
  failed = fuzzProblems(report, proxy);
} catch (error) {
  failed = [(error as Error).stack ?? String(error)];
} finally {
  await proxy.stop();
  await cluster.stop();
  if (values['keep-snapshots']) {
    await rm(join(workDir, 'data'), { recursive: true, force: true });
    console.log(`heap snapshots kept in ${snapshotDir}`);
  } else {
    await rm(workDir, { recursive: true, force: true });
  }
}
console.log(failed.length === 0 ? 'fuzz: passed' : `fuzz: FAILED\n  ${failed.join('\n  ')}`);
process.exit(failed.length === 0 ? 0 : 1);
