// A small in-memory time series per (database, branch) of statement counts,
// errors and latency buckets, for per-migration impact. It costs the
// forwarding path nothing: every few seconds it reads the cells the
// session metrics already update (pggit_statement_duration_seconds and
// pggit_statements_total) and keeps the difference since the last look.
import { DDL_COMMAND, ERROR_COMMAND, COMMAND_LABELS } from './command-tag.js';
import type { Families } from './definitions.js';
import { STATEMENT_BUCKETS } from './definitions.js';
import { flagReasons, summarize, type ImpactPoint, type WindowSummary } from './impact.js';

/** A commit's impact: the window before it against the window after it. */
export interface CommitImpact {
  readonly windowSeconds: number;
  readonly intervalSeconds: number;
  /** Measurements start here (the process start): an earlier window is partly unknown. */
  readonly measuredSince: string;
  readonly before: WindowSummary;
  readonly after: WindowSummary;
  readonly flagged: boolean;
  readonly reasons: string[];
  /** Each interval of both windows, oldest first, for a chart. */
  readonly series: Array<{ readonly t: string; readonly statements: number; readonly errors: number; readonly p50: number | null; readonly p95: number | null }>;
}

export interface ImpactSeriesOptions {
  /** How often the cells are read. Default 10 s. */
  readonly intervalMs?: number;
  /** How far back points are kept. Default 6 h. */
  readonly keepMs?: number;
}

interface Totals {
  statements: number;
  errors: number;
  latency: Float64Array;
}

const DDL = COMMAND_LABELS[DDL_COMMAND];
const ERROR = COMMAND_LABELS[ERROR_COMMAND];

export class ImpactSeries {
  readonly bounds: readonly number[] = STATEMENT_BUCKETS;
  readonly intervalMs: number;
  readonly keepMs: number;
  /** When the series started: nothing is known before. */
  readonly since = Date.now();
  private readonly points = new Map<string, ImpactPoint[]>();
  private last = new Map<string, Totals>();
  private lastSampleAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly families: Pick<Families, 'statements' | 'statementDuration'>,
    options: ImpactSeriesOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.keepMs = options.keepMs ?? 6 * 3600_000;
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A schema change committed at `at` (call it as the commit passes on the
   * wire): cut an interval there, so that what ran before it is not counted
   * after it.
   */
  mark(at: Date): void {
    this.sample(Math.min(Date.now(), Math.max(at.getTime(), this.lastSampleAt)));
  }

  /** Reads the cells now and appends what changed since the last look. */
  sample(now = Date.now()): void {
    this.lastSampleAt = now;
    const totals = this.totals();
    for (const [key, total] of totals) {
      const previous = this.last.get(key);
      const statements = total.statements - (previous?.statements ?? 0);
      if (statements <= 0) continue;
      const latency = new Float64Array(total.latency.length);
      for (let i = 0; i < latency.length; i++) latency[i] = total.latency[i]! - (previous?.latency[i] ?? 0);
      let list = this.points.get(key);
      if (!list) this.points.set(key, (list = []));
      list.push({ t: now, statements, errors: total.errors - (previous?.errors ?? 0), latency });
      const oldest = now - this.keepMs;
      while (list.length > 0 && list[0]!.t < oldest) list.shift();
    }
    this.last = totals;
  }

  /** Points whose interval ends in (from, to]. */
  between(database: string, branch: string, from: number, to: number): ImpactPoint[] {
    return (this.points.get(keyOf(database, branch)) ?? []).filter((point) => point.t > from && point.t <= to);
  }

  /**
   * Before = (at - window, at], after = (at, at + window], cut short at the
   * previous and next commits when given (their effects are theirs); read
   * now, a last partial interval included.
   */
  impactAt(database: string, branch: string, at: Date, windowMs: number, neighbours: { previous?: Date | undefined; next?: Date | undefined } = {}): CommitImpact {
    this.sample();
    const time = at.getTime();
    const from = Math.max(time - windowMs, neighbours.previous?.getTime() ?? -Infinity);
    const to = Math.min(time + windowMs, neighbours.next?.getTime() ?? Infinity);
    const beforePoints = this.between(database, branch, from, time);
    const afterPoints = this.between(database, branch, time, to);
    const before = summarize(beforePoints, this.bounds);
    const after = summarize(afterPoints, this.bounds);
    const reasons = flagReasons(before, after);
    return {
      windowSeconds: windowMs / 1000,
      intervalSeconds: this.intervalMs / 1000,
      measuredSince: new Date(this.since).toISOString(),
      before,
      after,
      flagged: reasons.length > 0,
      reasons,
      series: [...beforePoints, ...afterPoints].map((point) => {
        const one = summarize([point], this.bounds);
        return { t: new Date(point.t).toISOString(), statements: one.statements, errors: one.errors, p50: one.p50, p95: one.p95 };
      }),
    };
  }

  private totals(): Map<string, Totals> {
    const totals = new Map<string, Totals>();
    const entry = (database: string, branch: string): Totals => {
      const key = keyOf(database, branch);
      let total = totals.get(key);
      if (!total) totals.set(key, (total = { statements: 0, errors: 0, latency: new Float64Array(this.bounds.length + 1) }));
      return total;
    };
    for (const cell of this.families.statements.allCells()) {
      if (cell.labels.command === DDL) continue;
      const total = entry(cell.labels.database, cell.labels.branch);
      total.statements += cell.value;
      if (cell.labels.command === ERROR) total.errors += cell.value;
    }
    for (const cell of this.families.statementDuration.allCells()) {
      if (cell.labels.command === DDL || cell.labels.command === ERROR) continue;
      const total = entry(cell.labels.database, cell.labels.branch);
      for (let i = 0; i < cell.counts.length; i++) total.latency[i] = total.latency[i]! + cell.counts[i]!;
    }
    return totals;
  }
}

function keyOf(database: string, branch: string): string {
  return `${database}\u0000${branch}`;
}
