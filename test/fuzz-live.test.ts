// A short live fuzz of `pggit proxy` (a child process with every default):
// a few hundred mutated client sessions while a steady session queries
// beside them. `npm run fuzz -- --sessions 100000` is the long run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape, total } from '../bench/scrape.js';
import { eventually } from './harness/activity.js';
import { freshDatabases } from './harness/history-check.js';
import { upstreamUrl } from './harness/proxy.js';
import { startProxyProcess, type ProxyProcess } from './harness/proxy-process.js';
import { urlFor } from './harness/recorded-history.js';
import { liveFuzz } from './fuzz/live-fuzz.js';

const APP = 'fuzz_live_app';
const SESSIONS = Number(process.env['PGGIT_FUZZ_SESSIONS'] ?? '400');
let proxy: ProxyProcess;

beforeAll(async () => {
  await freshDatabases([APP]);
  proxy = await startProxyProcess(['--upstream', urlFor(APP), '--log-level', 'info'], {});
});

afterAll(async () => {
  await proxy?.stop();
});

describe('a live proxy, fuzzed', () => {
  it(`survives ${SESSIONS} mutated sessions with clear errors while a steady session runs beside them`, async () => {
    const user = decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
    const report = await liveFuzz({ port: proxy.port, http: proxy.http, database: APP, user, sessions: SESSIONS, concurrency: 8, seed: 17 });
    console.log(JSON.stringify(report));
    expect(proxy.child.exitCode).toBeNull();
    expect(report.sessions).toBe(SESSIONS);
    expect(report.steadyErrors).toEqual([]);
    expect(report.steadyQueries).toBeGreaterThan(0);
    expect(report.unclear).toBe(0);
    expect(report.hung).toBe(0);
    // Bad frames are refused as protocol violations.
    expect(report.errorCodes['08P01']).toBeGreaterThan(0);
    // Every fuzzing session is gone: only the proxy's own count of clients tells.
    await eventually(async () => total(await scrape(`${proxy.http}/metrics`), 'pggit_client_connections'), (n) => n === 0, 'every client session to end', 20_000);
    // The proxy logged no crash-worthy error.
    expect(proxy.stderr()).not.toMatch(/"level":(50|60)/);
  }, 180_000);
});
