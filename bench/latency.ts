// Latency with one client (pgbench -S -c 1): what each proxy adds to a round
// trip over connecting directly, interleaved in rounds. pggit's added
// latency against pgbouncer's is the figure of issue 14 (at most 1.25x).
import { pgbenchSelectOnly } from './pgbench.js';
import { median } from './summary.js';
import type { LoopTarget } from './rounds.js';
import { DIRECT } from './direct-path.js';

export interface LatencyResult {
  readonly path: string;
  readonly latencyMs: readonly number[];
  readonly medianLatencyMs: number;
  /** Median of (this path's latency - direct's) per round, in µs. */
  readonly addedUs: number | undefined;
}

export async function benchLatency(
  pgbench: string,
  targets: readonly LoopTarget[],
  options: { readonly user: string; readonly database: string; readonly rounds: number; readonly seconds: number },
  log: (message: string) => void,
): Promise<LatencyResult[]> {
  const byPath = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of targets) {
      const where = { host: target.host, port: target.port, user: options.user, database: options.database };
      const result = await pgbenchSelectOnly(pgbench, where, { seconds: options.seconds, clients: 1, jobs: 1, mode: 'simple' });
      if (result.latencyMs === undefined) continue;
      log(`latency round ${round}/${options.rounds} ${target.name} (-c 1): ${(result.latencyMs * 1000).toFixed(0)} µs`);
      byPath.get(target.name)!.push(result.latencyMs);
    }
  }
  const direct = byPath.get(DIRECT) ?? [];
  return [...byPath].map(([path, latencyMs]) => {
    const added = latencyMs.flatMap((ms, round) => (direct[round] === undefined ? [] : [(ms - direct[round]!) * 1000]));
    return { path, latencyMs, medianLatencyMs: median(latencyMs), addedUs: path === DIRECT || added.length === 0 ? undefined : median(added) };
  });
}

export function formatLatency(results: readonly LatencyResult[]): string {
  const lines = ['latency with one client (pgbench -S -c 1, simple; added = over direct, median of rounds):'];
  for (const r of results) {
    const added = r.addedUs === undefined ? '' : `   added ${r.addedUs.toFixed(0)} µs`;
    lines.push(`  ${r.path.padEnd(18)} ${(r.medianLatencyMs * 1000).toFixed(0).padStart(6)} µs${added}`);
  }
  const pggit = results.find((r) => r.path === 'pggit')?.addedUs;
  const pgbouncer = results.find((r) => r.path === 'pgbouncer')?.addedUs;
  if (pggit !== undefined && pgbouncer !== undefined) {
    if (pggit < 0 || pgbouncer <= 0) {
      lines.push('  pggit added / pgbouncer added   -   (a proxy came out faster than direct: the machine is too busy to tell)');
    } else {
      const ratio = pggit / pgbouncer;
      lines.push(`  pggit added / pgbouncer added   ${ratio.toFixed(2)}   (target <= 1.25: ${ratio <= 1.25 ? 'met' : 'NOT met'})`);
    }
  }
  return lines.join('\n');
}
