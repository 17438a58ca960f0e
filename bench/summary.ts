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
  /** Median CPU time of the proxy process per transaction, µs. */
  readonly medianProxyCpuUs: number | undefined;
  readonly ratioToDirect: number | undefined;
}

export interface Ratio {
  /** e.g. "pggit/relay" */
  readonly name: string;
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
      summaries.push({
        path,
        mode,
        tps: runs.map((m) => m.tps),
        medianTps,
        medianLatencyMs: latencies.length > 0 ? median(latencies) : undefined,
        medianProxyCpuUs: cpu.length > 0 ? median(cpu) : undefined,
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
  const tps = (path: string, mode: QueryMode) => summaries.find((s) => s.path === path && s.mode === mode)?.medianTps;
  const add = (a: string, b: string, mode: QueryMode) => {
    const top = tps(a, mode);
    const bottom = tps(b, mode);
    if (top === undefined || bottom === undefined || bottom <= 0) return;
    const perRound = select(measurements, a, mode).flatMap((m) => {
      const other = measurements.find((o) => o.path === b && o.mode === mode && o.round === m.round);
      return other && other.tps > 0 ? [m.tps / other.tps] : [];
    });
    ratios.push({ name: `${a}/${b}`, mode, value: top / bottom, perRound });
  };
  for (const summary of summaries) {
    const { path, mode } = summary;
    if (path === DIRECT) continue;
    add(path, DIRECT, mode);
    if (!path.startsWith('pggit')) continue;
    add(path, 'relay', mode);
    add(path, 'pgbouncer', mode);
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
