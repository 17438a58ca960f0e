// A short live fuzz of `pggit proxy` (a child process with every default):
// a few hundred mutated client sessions while pgbench runs beside them at a
// steady rate, then the proxy's heap after a full collection against its
// baseline. `npm run fuzz -- --sessions 100000` is the long run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabases } from './harness/history-check.js';
import { upstreamUrl } from './harness/proxy.js';
import { startProxyProcess, type ProxyProcess } from './harness/proxy-process.js';
import { urlFor } from './harness/recorded-history.js';
import { snapshotNodeArgs } from './fuzz/collected-memory.js';
import { heapGrowth } from './fuzz/heap-diff.js';
import { liveFuzz } from './fuzz/live-fuzz.js';
import { initPgbench } from './fuzz/steady-pgbench.js';
import { describeFuzz, fuzzProblems } from './fuzz/verdict.js';

const APP = 'fuzz_live_app';
const SESSIONS = Number(process.env['PGGIT_FUZZ_SESSIONS'] ?? '400');
let proxy: ProxyProcess;
let snapshotDir: string;

beforeAll(async () => {
  snapshotDir = await mkdtemp(join(tmpdir(), 'pggit-fuzz-heap-'));
  await freshDatabases([APP]);
  await initPgbench(urlFor(APP), 1);
  proxy = await startProxyProcess(['--upstream', urlFor(APP), '--log-level', 'info'], {}, snapshotNodeArgs(snapshotDir));
});

afterAll(async () => {
  await proxy?.stop();
  await rm(snapshotDir, { recursive: true, force: true });
});

describe('a live proxy, fuzzed', () => {
  it(`survives ${SESSIONS} mutated sessions with clear errors while pgbench runs beside them, and its heap comes back`, async () => {
    const upstream = new URL(upstreamUrl());
    const user = decodeURIComponent(upstream.username || 'postgres');
    const throughProxy = new URL(urlFor(APP));
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    const report = await liveFuzz({
      proxy,
      snapshotDir,
      port: proxy.port,
      database: APP,
      user,
      sessions: SESSIONS,
      warmupSessions: 100,
      concurrency: 8,
      seed: 17,
      pgbenchUrl: throughProxy.toString(),
      pgbenchRate: 50,
      pgbenchRunSeconds: 2,
    });
    console.log(describeFuzz(report).join('\n'));
    const problems = fuzzProblems(report, proxy);
    if (problems.length > 0) console.log('heap growth by kind:', await heapGrowth(report.baseline.snapshot, report.after.snapshot));
    expect(problems).toEqual([]);
    expect(report.sessions).toBe(SESSIONS);
    expect(report.steady.transactions).toBeGreaterThan(0);
    // Bad frames are refused as protocol violations.
    expect(report.errorCodes['08P01']).toBeGreaterThan(0);
  }, 180_000);
});
