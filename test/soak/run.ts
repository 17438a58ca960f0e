// `npm run soak -- --minutes N [--rate TPS] [--clients C] [--sample-seconds S]`:
// a throwaway PostgreSQL with a pgbench database, `pggit proxy` (every
// default) in front of it, pgbench -S at a steady rate and a DDL transaction
// every 3 s through the proxy for N minutes. Prints one line per sample and
// the slopes of RSS and heap at the end, and the heap after a full GC
// (collected-memory.ts) after the first sample and at the end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchCluster } from '../../bench/bench-cluster.js';
import { startProxyProcess } from '../harness/proxy-process.js';
import { collectedMemory, snapshotNodeArgs } from '../fuzz/collected-memory.js';
import { heapGrowth } from '../fuzz/heap-diff.js';
import { mb } from '../fuzz/verdict.js';
import { soak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '200' },
    clients: { type: 'string', default: '4' },
    'sample-seconds': { type: 'string', default: '60' },
    'ddl-seconds': { type: 'string', default: '3' },
    'keep-snapshots': { type: 'boolean', default: false },
  },
});
const log = (line: string): void => console.log(line);
const snapshotDir = await mkdtemp(join(tmpdir(), 'pggit-soak-heap-'));
const bench = await startBenchCluster(1, Number(values.clients), log);
const proxy = await startProxyProcess(['--upstream', bench.cluster.url('bench'), '--log-level', 'info'], {}, snapshotNodeArgs(snapshotDir)).catch(async (error: unknown) => {
  await bench.stop(false);
  throw error;
});
let failed = false;
try {
  const report = await soak({
    pgbench: bench.pgbench,
    proxyPort: proxy.port,
    http: proxy.http,
    database: 'bench',
    seconds: Math.round(Number(values.minutes) * 60),
    sampleSeconds: Number(values['sample-seconds']),
    rate: Number(values.rate),
    clients: Number(values.clients),
    ddlEverySeconds: Number(values['ddl-seconds']),
    log,
    collect: () => collectedMemory(proxy.child, snapshotDir, proxy.http),
  });
  const tps = /^tps = ([\d.]+)/m.exec(report.pgbenchOutput)?.[1] ?? '?';
  const failedTx = /^number of failed transactions: (\d+)/m.exec(report.pgbenchOutput)?.[1] ?? '0';
  console.log(`pgbench: ${tps} tps, ${failedTx} failed, exit ${report.pgbenchExit}; DDL transactions: ${report.ddlTransactions}, errors: ${report.ddlErrors.length}`);
  console.log(`slope after the first sample: RSS ${report.rssSlopeMbPerMinute.toFixed(3)} MB/min, heap ${report.heapSlopeMbPerMinute.toFixed(3)} MB/min`);
  const [first, end] = [report.collectedAfterFirstSample, report.collectedAtEnd];
  console.log(`after a full GC: heap used ${mb(first.heapUsedBytes)} MB after the first sample, ${mb(end.heapUsedBytes)} MB at the end; external ${mb(first.externalBytes)} -> ${mb(end.externalBytes)} MB; RSS ${mb(first.rssBytes)} -> ${mb(end.rssBytes)} MB`);
  console.log('heap growth by kind (after a full GC, end vs after the first sample):');
  for (const g of await heapGrowth(first.snapshot, end.snapshot)) console.log(`  ${g.group}: ${g.count >= 0 ? '+' : ''}${g.count} objects, ${(g.bytes / 1024).toFixed(0)} kB`);
  failed = report.pgbenchExit !== 0 || report.ddlErrors.length > 0 || proxy.child.exitCode !== null;
  if (report.ddlErrors.length > 0) console.log(`DDL errors: ${report.ddlErrors.slice(0, 3).join('; ')}`);
  if (report.pgbenchExit !== 0) console.log(report.pgbenchOutput.slice(-2000));
} finally {
  await proxy.stop();
  await bench.stop(false);
  if (values['keep-snapshots']) console.log(`heap snapshots kept in ${snapshotDir}`);
  else await rm(snapshotDir, { recursive: true, force: true });
}
console.log(failed ? 'soak: FAILED' : 'soak: passed');
process.exit(failed ? 1 : 0);
