// Per-migration impact, as pure functions over the impact series' points:
// latency quantiles from histogram bucket counts (as Prometheus'
// histogram_quantile interpolates them), error rates, and whether a commit
// made things worse.

export interface ImpactPoint {
  /** End of the interval, ms since the epoch. */
  readonly t: number;
  /** Statements finished in the interval (errors included, schema changes not). */
  readonly statements: number;
  readonly errors: number;
  /** Per latency bucket (STATEMENT_BUCKETS, then +Inf): successful statements, schema changes left out. */
  readonly latency: Float64Array;
}

export interface WindowSummary {
  readonly statements: number;
  readonly errors: number;
  /** errors / statements; null without statements. */
  readonly errorRate: number | null;
  /** Seconds; null without timed statements. */
  readonly p50: number | null;
  readonly p95: number | null;
}

/** When is a commit flagged: thresholds as data, so the page can say why. */
export const FLAG_RULES = {
  /** p95 after / p95 before at least this ... */
  latencyRatio: 1.5,
  /** ... and at least this many seconds slower (a 0.1 ms -> 0.2 ms change is noise). */
  latencyFloorSeconds: 0.001,
  /** The error rate grew by at least this (absolute) ... */
  errorRateIncrease: 0.01,
  /** ... with at least this many errors after the commit. */
  minErrors: 5,
  /** Fewer statements than this on either side: too little to judge. */
  minStatements: 20,
} as const;

export function summarize(points: readonly ImpactPoint[], bounds: readonly number[]): WindowSummary {
  const counts = new Float64Array(bounds.length + 1);
  let statements = 0;
  let errors = 0;
  for (const point of points) {
    statements += point.statements;
    errors += point.errors;
    for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! + (point.latency[i] ?? 0);
  }
  return {
    statements,
    errors,
    errorRate: statements > 0 ? errors / statements : null,
    p50: quantile(counts, bounds, 0.5),
    p95: quantile(counts, bounds, 0.95),
  };
}

/** The q-quantile of per-bucket counts, interpolated linearly inside its bucket; null when empty. */
export function quantile(counts: ArrayLike<number>, bounds: readonly number[], q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > 0 && seen + count >= rank) {
      // The +Inf bucket has no upper bound: report the highest finite one, as Prometheus does.
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return bounds[bounds.length - 1]!;
}

/** Why the after window looks worse than the before window; [] when it does not (or cannot be judged). */
export function flagReasons(before: WindowSummary, after: WindowSummary): string[] {
  if (before.statements < FLAG_RULES.minStatements || after.statements < FLAG_RULES.minStatements) return [];
  const reasons: string[] = [];
  if (before.p95 !== null && after.p95 !== null && after.p95 >= before.p95 * FLAG_RULES.latencyRatio && after.p95 - before.p95 >= FLAG_RULES.latencyFloorSeconds) {
    reasons.push(`p95 latency ${formatSeconds(before.p95)} -> ${formatSeconds(after.p95)}`);
  }
  const rateBefore = before.errorRate ?? 0;
  const rateAfter = after.errorRate ?? 0;
  if (after.errors >= FLAG_RULES.minErrors && rateAfter - rateBefore >= FLAG_RULES.errorRateIncrease) {
    reasons.push(`error rate ${percent(rateBefore)} -> ${percent(rateAfter)}`);
  }
  return reasons;
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms` : `${seconds.toFixed(2)} s`;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
