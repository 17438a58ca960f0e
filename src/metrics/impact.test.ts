import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { flagReasons, quantile, summarize, type ImpactPoint } from './impact.js';
import { ProxyMetrics } from './proxy-metrics.js';

const BOUNDS = [0.001, 0.01, 0.1];
const tag = (text: string): Buffer => Buffer.from(`${text}\0`);

function point(statements: number, errors: number, latency: number[]): ImpactPoint {
  return { t: 0, statements, errors, latency: Float64Array.from(latency) };
}

describe('impact arithmetic', () => {
  it('interpolates quantiles inside a bucket, as histogram_quantile does', () => {
    expect(quantile([10, 0, 0, 0], BOUNDS, 0.5)).toBeCloseTo(0.0005);
    expect(quantile([0, 10, 0, 0], BOUNDS, 0.5)).toBeCloseTo(0.0055);
    expect(quantile([0, 0, 0, 4], BOUNDS, 0.95)).toBe(0.1);
    expect(quantile([0, 0, 0, 0], BOUNDS, 0.5)).toBeNull();
  });

  it('flags a commit after which p95 grew or errors started, and not one with too little traffic', () => {
    const fast = summarize([point(100, 0, [100, 0, 0, 0])], BOUNDS);
    const slow = summarize([point(100, 0, [50, 0, 50, 0])], BOUNDS);
    const failing = summarize([point(100, 10, [90, 0, 0, 0])], BOUNDS);
    expect(flagReasons(fast, fast)).toEqual([]);
    expect(flagReasons(fast, slow)[0]).toMatch(/^p95 latency 0\.95 ms -> 91\.0 ms$/);
    expect(flagReasons(fast, failing)).toEqual(['error rate 0.0% -> 10.0%']);
    const quiet = summarize([point(5, 5, [0, 0, 0, 0])], BOUNDS);
    expect(flagReasons(fast, quiet)).toEqual([]);
  });
});

describe('impact series', () => {
  it('keeps per-interval differences of what the session metrics counted, per database and branch', () => {
    const metrics = new ProxyMetrics(new Registry(), { defaultMetrics: false });
    const series = metrics.impactSeries({ intervalMs: 1000 });
    const app = metrics.session({ database: 'app', branch: 'main', application: 'web' });
    const other = metrics.session({ database: 'app', branch: 'feature', application: 'web' });
    for (let i = 0; i < 30; i++) app.commandComplete(tag('SELECT 1'), 0.0002);
    app.ddl(0.5);
    series.sample(1_000);
    for (let i = 0; i < 30; i++) app.commandComplete(tag('SELECT 1'), 0.2);
    for (let i = 0; i < 10; i++) app.error('23505', 0.001);
    other.commandComplete(tag('INSERT 0 1'), 0.001);
    series.sample(2_000);

    const before = series.between('app', 'main', 0, 1_000);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ statements: 30, errors: 0 });
    const after = series.between('app', 'main', 1_000, 2_000);
    expect(after[0]).toMatchObject({ statements: 40, errors: 10 });
    expect(series.between('app', 'feature', 0, 2_000)[0]).toMatchObject({ statements: 1, errors: 0 });

    const impact = series.impactAt('app', 'main', new Date(1_000), 1_000);
    expect(impact.before.p95).toBeLessThan(0.00025);
    expect(impact.after.p95).toBeGreaterThan(0.1);
    expect(impact.after.errorRate).toBeCloseTo(0.25);
    expect(impact.flagged).toBe(true);
    expect(impact.reasons).toHaveLength(2);
    expect(impact.series.map((entry) => entry.statements)).toEqual([30, 40]);
  });
});
