// Fuzzes a running proxy with mutated client sessions (see fuzz-session.ts)
// while a steady pgbench runs beside them (steady-pgbench.ts). A warm-up
// round first; then the proxy's memory after a full collection, with no
// client left, is the baseline; then the N sessions; then, once every
// session has ended, the same measure again. Used by `npm run fuzz` and,
// with a few hundred sessions, by test/fuzz-live.test.ts.
import { scrape, total } from '../../bench/scrape.js';
import type { ProxyProcess } from '../harness/proxy-process.js';
import { collectedMemory, type CollectedMemory } from './collected-memory.js';
import { fuzzSession, KINDS, random, type FuzzTarget } from './fuzz-session.js';
import { startSteadyPgbench, type SteadyPgbenchReport } from './steady-pgbench.js';

export interface LiveFuzzOptions extends FuzzTarget {
  readonly proxy: ProxyProcess;
  /** Where the proxy child writes heap snapshots (it runs with `snapshotNodeArgs(dir)`). */
  readonly snapshotDir: string;
  readonly sessions: number;
  /** Sessions (and pgbench) before the baseline is measured, so that what the first sessions allocate for good is in it. */
  readonly warmupSessions: number;
  readonly concurrency: number;
  readonly seed: number;
  /** postgres:// URL of the pgbench database through the proxy. */
  readonly pgbenchUrl: string;
  readonly pgbenchRate: number;
  readonly pgbenchRunSeconds: number;
  readonly onProgress?: (done: number) => void;
}

export interface LiveFuzzReport {
  /** Fuzzing sessions after the warm-up. */
  readonly sessions: number;
  /** Sessions by kind, warm-up included. */
  readonly kinds: Record<string, number>;
  /** ErrorResponses the fuzzing sessions got, by SQLSTATE. */
  readonly errorCodes: Record<string, number>;
  /** ErrorResponses without a SQLSTATE, or bytes that were not protocol messages. */
  readonly unclear: number;
  /** Sessions the proxy had not closed 10 s after the client finished sending and half-closed. */
  readonly hung: number;
  /** Client sessions the proxy still counted 30 s after the last one ended (pggit_client_connections). */
  readonly clientsLeft: number;
  /** The steady pgbench, warm-up and measured rounds together. */
  readonly steady: SteadyPgbenchReport;
  readonly baseline: CollectedMemory;
  readonly after: CollectedMemory;
  readonly seconds: number;
}

interface Tally {
  kinds: Record<string, number>;
  errorCodes: Record<string, number>;
  unclear: number;
  hung: number;
  done: number;
}

async function runSessions(options: LiveFuzzOptions, count: number, next: () => number, tally: Tally): Promise<void> {
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < count) {
      issued++;
      const kind = KINDS[Math.floor(next() * KINDS.length)]!;
      tally.kinds[kind] = (tally.kinds[kind] ?? 0) + 1;
      const result = await fuzzSession(options, kind, next);
      for (const code of result.codes) tally.errorCodes[code] = (tally.errorCodes[code] ?? 0) + 1;
      if (result.unclear) tally.unclear++;
      if (result.hung) tally.hung++;
      tally.done++;
      if (tally.done % 1000 === 0) options.onProgress?.(tally.done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

/** Waits (polling /metrics) until the proxy counts no client session; returns how many are left after 30 s. */
async function drained(http: string): Promise<number> {
  let clients = Infinity;
  for (let waited = 0; waited <= 30_000; waited += 100) {
    clients = total(await scrape(`${http}/metrics`), 'pggit_client_connections');
    if (clients === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return clients;
}

/** Fuzzing sessions with the steady pgbench beside them; resolves when both are done and every session has ended. */
async function round(options: LiveFuzzOptions, count: number, next: () => number, tally: Tally): Promise<{ steady: SteadyPgbenchReport; clientsLeft: number }> {
  const steady = startSteadyPgbench(options.pgbenchUrl, options.pgbenchRate, options.pgbenchRunSeconds);
  await runSessions(options, count, next, tally);
  const report = await steady.stop();
  return { steady: report, clientsLeft: await drained(options.proxy.http) };
}

export async function liveFuzz(options: LiveFuzzOptions): Promise<LiveFuzzReport> {
  const next = random(options.seed);
  const started = Date.now();
  const tally: Tally = { kinds: {}, errorCodes: {}, unclear: 0, hung: 0, done: 0 };
  const warm = await round(options, options.warmupSessions, next, tally);
  const baseline = await collectedMemory(options.proxy.child, options.snapshotDir, options.proxy.http);
  tally.done = 0;
  const measured = await round(options, options.sessions, next, tally);
  const after = await collectedMemory(options.proxy.child, options.snapshotDir, options.proxy.http);
  const steady: SteadyPgbenchReport = {
    runs: warm.steady.runs + measured.steady.runs,
    transactions: warm.steady.transactions + measured.steady.transactions,
    seconds: warm.steady.seconds + measured.steady.seconds,
    latencyMs: (warm.steady.latencyMs * warm.steady.runs + measured.steady.latencyMs * measured.steady.runs) / Math.max(1, warm.steady.runs + measured.steady.runs),
    errors: [...warm.steady.errors, ...measured.steady.errors],
  };
  return {
    sessions: tally.done,
    kinds: tally.kinds,
    errorCodes: tally.errorCodes,
    unclear: tally.unclear,
    hung: tally.hung,
    clientsLeft: Math.max(warm.clientsLeft, measured.clientsLeft),
    steady,
    baseline,
    after,
    seconds: (Date.now() - started) / 1000,
  };
}
