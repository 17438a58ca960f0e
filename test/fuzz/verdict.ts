// What makes a live fuzz fail, shared by `npm run fuzz` and the short run
// in `npm test`.
import type { ProxyProcess } from '../harness/proxy-process.js';
import type { CollectedMemory } from './collected-memory.js';
import type { LiveFuzzReport } from './live-fuzz.js';

/**
 * Heap used plus external memory (after a full collection, no client left)
 * may exceed the baseline by this much. Measured without a leak: -0.2 to
 * +0.3 MB after 400 to 100,000 sessions (V8's code and feedback come and
 * go). A session kept alive retains about 15 kB (measured by keeping every
 * closed session: +6.2 MB after 500), a leaked 8 kB Buffer per session gave
 * +4.7 MB: the short run in `npm test` catches either, the long one any leak
 * above about 20 bytes a session.
 */
export const HEAP_ALLOWANCE_BYTES = 2 * 1024 * 1024;

export function fuzzProblems(report: LiveFuzzReport, proxy: ProxyProcess): string[] {
  const problems: string[] = [];
  if (proxy.child.exitCode !== null || proxy.child.signalCode !== null) problems.push(`the proxy exited (${proxy.child.exitCode ?? proxy.child.signalCode})`);
  if (report.steady.errors.length > 0) problems.push(`pgbench: ${report.steady.errors.slice(0, 6).join('\n')}`);
  if (report.steady.transactions === 0) problems.push('pgbench processed no transaction');
  if (report.unclear > 0) problems.push(`${report.unclear} unclear replies`);
  if (report.hung > 0 || report.clientsLeft > 0) problems.push(`${report.hung} sessions left open, ${report.clientsLeft} still counted`);
  const grew = retained(report.after) - retained(report.baseline);
  if (grew > HEAP_ALLOWANCE_BYTES) problems.push(`memory did not come back to its baseline: heap used + external ${mb(grew)} MB more than after the warm-up (allowed ${mb(HEAP_ALLOWANCE_BYTES)})`);
  if (/"level":(50|60)/.test(proxy.stderr())) problems.push('the proxy logged errors');
  return problems;
}

/** What the proxy's objects hold after a collection: the heap and the Buffers outside it. */
const retained = (memory: CollectedMemory): number => memory.heapUsedBytes + memory.externalBytes;

export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** The report as lines for a person. */
export function describeFuzz(report: LiveFuzzReport): string[] {
  const { steady, baseline, after } = report;
  return [
    `${report.sessions} sessions (after the warm-up) in ${report.seconds.toFixed(1)} s`,
    `  kinds:            ${JSON.stringify(report.kinds)}`,
    `  errors sent:      ${JSON.stringify(report.errorCodes)}`,
    `  unclear replies:  ${report.unclear}`,
    `  sessions left open by the proxy: ${report.hung}; client sessions after the run: ${report.clientsLeft}`,
    `  pgbench beside:   ${steady.runs} runs, ${steady.transactions} transactions in ${steady.seconds} s, latency ${steady.latencyMs.toFixed(1)} ms (with -R: from the scheduled start), ${steady.errors.length} errors`,
    `  proxy memory after a full GC, baseline -> after: heap used ${mb(baseline.heapUsedBytes)} -> ${mb(after.heapUsedBytes)} MB, external ${mb(baseline.externalBytes)} -> ${mb(after.externalBytes)} MB (together ${mb(retained(after) - retained(baseline))} MB), RSS ${mb(baseline.rssBytes)} -> ${mb(after.rssBytes)} MB`,
  ];
}
