// From measurements to medians and ratios (pure).
import { DIRECT } from './direct-path.js';
import type { QueryMode } from './options.js';
import type { Measurement } from './rounds.js';

export interface PathSummary {
  readonly path: string;
  readonly mode: QueryMode;
  /** TPS of each round, in round order. */
  readonly tps: readonly number[];
  readonly medianTps: number;
  readonly medianLatencyMs: number | undefined;
  /** Median CPU time of the proxy process per transaction, µs: user + system, user, system. */
  readonly medianProxyCpuUs: number | undefined;
  readonly medianUserUs: number | undefined;
  readonly medianSystemUs: number | undefined;
  readonly ratioToDirect: number | undefined;
}

export interface Ratio {
  /** e.g. "pggit/relay" */
  readonly name: string;
  /** What is divided: TPS, or the proxy's CPU µs per transaction. */
  readonly of: 'tps' | 'cpu';
  readonly mode: QueryMode;
  readonly value: number;
  /** The same ratio within each round (adjacent runs): its spread says how far to trust value. */
  readonly perRound: readonly number[];
}

export function summarise(measurements: readonly Measurement[], paths: readonly string[], modes: readonly QueryMode[]): PathSummary[] {
  const summaries: PathSummary[] = [];
  for (const mode of modes) {
    const directTps = median(select(measurements, DIRECT, mode).map((m) => m.tps));
    for (const path of paths) {
      const runs = select(measurements, path, mode);
      if (runs.length === 0) continue;
      const medianTps = median(runs.map((m) => m.tps));
      const latencies = runs.flatMap((m) => (m.latencyMs === undefined ? [] : [m.latencyMs]));
      const cpu = runs.flatMap((m) => (m.proxyCpuUsPerTxn === undefined ? [] : [m.proxyCpuUsPerTxn]));
      const user = runs.flatMap((m) => (m.proxyUserUsPerTxn === undefined ? [] : [m.proxyUserUsPerTxn]));
      const system = runs.flatMap((m) => (m.proxySystemUsPerTxn === undefined ? [] : [m.proxySystemUsPerTxn]));
      summaries.push({
        path,
        mode,
        tps: runs.map((m) => m.tps),
        medianTps,
        medianLatencyMs: latencies.length > 0 ? median(latencies) : undefined,
        medianProxyCpuUs: cpu.length > 0 ? median(cpu) : undefined,
        medianUserUs: user.length > 0 ? median(user) : undefined,
        medianSystemUs: system.length > 0 ? median(system) : undefined,
        ratioToDirect: directTps > 0 ? medianTps / directTps : undefined,
      });
    }
  }
  return summaries;
}

/**
 * The ratios the issues ask for: every path against direct; every pggit
 * variant against the relay and pgbouncer; variants against plain pggit.
 */
export function headlineRatios(summaries: readonly PathSummary[], measurements: readonly Measurement[]): Ratio[] {
  const ratios: Ratio[] = [];
  const summary = (path: string, mode: QueryMode) => summaries.find((s) => s.path === path && s.mode === mode);
  const value = { tps: (m: Measurement) => m.tps, cpu: (m: Measurement) => m.proxyCpuUsPerTxn ?? 0 };
  const add = (a: string, b: string, mode: QueryMode, of: 'tps' | 'cpu' = 'tps') => {
    const top = of === 'tps' ? summary(a, mode)?.medianTps : summary(a, mode)?.medianProxyCpuUs;
    const bottom = of === 'tps' ? summary(b, mode)?.medianTps : summary(b, mode)?.medianProxyCpuUs;
    if (top === undefined || bottom === undefined || bottom <= 0) return;
    const perRound = select(measurements, a, mode).flatMap((m) => {
      const other = measurements.find((o) => o.path === b && o.mode === mode && o.round === m.round);
      return other && value[of](other) > 0 ? [value[of](m) / value[of](other)] : [];
    });
    ratios.push({ name: `${a}/${b}`, of, mode, value: top / bottom, perRound });
  };
  for (const summary of summaries) {
    const { path, mode } = summary;
    if (path === DIRECT) continue;
    add(path, DIRECT, mode);
    if (path.startsWith('relay')) add(path, 'pgbouncer', mode, 'cpu');
    if (!path.startsWith('pggit')) continue;
    add(path, 'relay', mode);
    add(path, 'pgbouncer', mode);
    add(path, 'pgbouncer', mode, 'cpu');
    if (path !== 'pggit') add(path, 'pggit', mode);
  }
  return ratios;
}

function select(measurements: readonly Measurement[], path: string, mode: QueryMode): Measurement[] {
  return measurements.filter((m) => m.path === path && m.mode === mode).sort((a, b) => a.round - b.round);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}
