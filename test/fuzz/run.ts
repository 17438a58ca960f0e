// `npm run fuzz -- --sessions N [--concurrency C] [--seed S]`: starts a
// throwaway PostgreSQL and `pggit proxy` (every default), fuzzes the proxy
// with N mutated client sessions while a steady session queries beside
// them, and prints what happened. Fails (exit 1) on a crash, an error of the
// steady session, a reply that is not a clear protocol message, a session
// the proxy left open, or heap that did not come back near its baseline.
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { LocalCluster, serverUser } from '../../src/cluster/index.js';
import { scrape, total } from '../../bench/scrape.js';
import { startProxyProcess } from '../harness/proxy-process.js';
import { liveFuzz } from './live-fuzz.js';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '16' }, seed: { type: 'string', default: String(Date.now() % 1e9) } },
});
const sessions = Number(values.sessions);
const seed = Number(values.seed);
/** Heap may keep some of what the run allocated until a later collection; more than this is a leak. */
const HEAP_SLACK_BYTES = 32 * 1024 * 1024;

const workDir = await mkdtemp(join(tmpdir(), 'pggit-fuzz-'));
const user = await serverUser();
if (user.switched) await chown(workDir, user.uid, user.gid);
const cluster = await LocalCluster.start({ dataDir: join(workDir, 'data'), settings: { fsync: 'off', max_connections: '200' } });
const admin = new pg.Client({ connectionString: cluster.url() });
await admin.connect();
await admin.query('CREATE DATABASE fuzz');
await admin.end();
let failed: string[] = [];
const proxy = await startProxyProcess(['--upstream', cluster.url('fuzz'), '--log-level', 'info'], {}).catch(async (error: unknown) => {
  await cluster.stop();
  throw error;
});
try {
  console.log(`fuzzing pggit proxy on port ${proxy.port} with ${sessions} sessions, seed ${seed}`);
  const report = await liveFuzz({
    port: proxy.port,
    http: proxy.http,
    database: 'fuzz',
    user: 'postgres',
    sessions,
    concurrency: Number(values.concurrency),
    seed,
    onProgress: (done) => process.stdout.write(`\r${done} sessions`),
  });
  // Let the last sessions end before measuring what is left.
  let clients = Infinity;
  for (let waited = 0; waited < 20_000 && clients > 0; waited += 200) {
    clients = total(await scrape(`${proxy.http}/metrics`), 'pggit_client_connections');
    if (clients > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(`\n${report.sessions} sessions in ${report.seconds.toFixed(1)} s (${(report.sessions / report.seconds).toFixed(0)}/s)`);
  console.log(`  kinds:            ${JSON.stringify(report.kinds)}`);
  console.log(`  errors sent:      ${JSON.stringify(report.errorCodes)}`);
  console.log(`  unclear replies:  ${report.unclear}`);
  console.log(`  sessions left open by the proxy: ${report.hung}; client sessions after the run: ${clients}`);
  console.log(`  steady session:   ${report.steadyQueries} queries, ${report.steadyErrors.length} errors`);
  console.log(`  proxy heap used:  ${mb(report.heapBefore)} MB before, ${mb(report.heapAfter)} MB after; RSS ${mb(report.rssBefore)} -> ${mb(report.rssAfter)} MB`);
  if (proxy.child.exitCode !== null) failed.push(`the proxy exited (${proxy.child.exitCode})`);
  if (report.steadyErrors.length > 0) failed.push(`steady session errors: ${report.steadyErrors.slice(0, 3).join('; ')}`);
  if (report.unclear > 0) failed.push(`${report.unclear} unclear replies`);
  if (report.hung > 0 || clients > 0) failed.push(`${report.hung} sessions left open, ${clients} still counted`);
  if (report.heapAfter > report.heapBefore + HEAP_SLACK_BYTES) failed.push('heap did not come back to its baseline');
  if (/"level":(50|60)/.test(proxy.stderr())) failed.push('the proxy logged errors');
} catch (error) {
  failed = [(error as Error).stack ?? String(error)];
} finally {
  await proxy.stop();
  await cluster.stop();
  await rm(workDir, { recursive: true, force: true });
}
console.log(failed.length === 0 ? 'fuzz: passed' : `fuzz: FAILED\n  ${failed.join('\n  ')}`);
process.exit(failed.length === 0 ? 0 : 1);
