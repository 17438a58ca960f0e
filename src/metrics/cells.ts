// Metric families whose samples are plain numbers that the hot path updates
// directly. prom-client's labelled children hash their label values into a
// string on every inc()/observe(); counting a statement must cost a few
// number updates instead. So a family hands out one cell per label set
// (looked up once, then cached by the caller) and turns cells into samples
// only when Prometheus scrapes. Families register on a prom-client Registry,
// which formats and escapes them like its own metrics.
import type { Metric, Registry } from 'prom-client';

type Labels<L extends string> = Readonly<Record<L, string>>;

interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

interface Definition<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

/**
 * What prom-client's Registry reads from a metric: name, type, help and
 * get() (plus reset() for resetMetrics()). Its typings only list its own
 * classes, hence the one cast in the constructor.
 */
abstract class Family<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(registry: Registry, definition: Definition<L>) {
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames;
    registry.registerMetric(this as unknown as Metric);
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  abstract reset(): void;
  protected abstract samples(): Sample[];
}

/** Cells keyed by their label values; looking one up builds a key, so callers keep the cell. */
abstract class CellFamily<L extends string, C extends { readonly labels: Labels<L> }> extends Family<L> {
  protected readonly cells = new Map<string, C>();

  cell(labels: Labels<L>): C {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let cell = this.cells.get(key);
    if (!cell) {
      // Copy: the caller's object may carry more properties than this family's labels.
      const own = Object.fromEntries(this.labelNames.map((name) => [name, labels[name]])) as Labels<L>;
      cell = this.create(own);
      this.cells.set(key, cell);
    }
    return cell;
  }

  get size(): number {
    return this.cells.size;
  }

  /** Forgets a cell: its series disappears from the next scrape. */
  remove(cell: C): void {
    this.cells.delete(this.labelNames.map((name) => cell.labels[name]).join('\u0000'));
  }

  /** Every cell so far (read off the hot path, e.g. by the impact series). */
  allCells(): IterableIterator<C> {
    return this.cells.values();
  }

  protected abstract create(labels: Labels<L>): C;
}

export class ValueCell<L extends string = string> {
  value = 0;
  constructor(readonly labels: Labels<L>) {}
}

/** A counter (only ever add) or a gauge (set, add, subtract) of plain numbers. */
export class ValueFamily<L extends string> extends CellFamily<L, ValueCell<L>> {
  constructor(
    registry: Registry,
    definition: Definition<L>,
    readonly type: 'counter' | 'gauge',
  ) {
    super(registry, definition);
  }

  reset(): void {
    for (const cell of this.cells.values()) cell.value = 0;
  }

  protected create(labels: Labels<L>): ValueCell<L> {
    return new ValueCell(labels);
  }

  protected samples(): Sample[] {
    return Array.from(this.cells.values(), (cell) => ({ value: cell.value, labels: cell.labels }));
  }
}

export class HistogramCell<L extends string = string> {
  /** Per-bucket counts (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels<L>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (Number.isNaN(value)) return; // one NaN would poison the sum forever
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i] = this.counts[i]! + 1;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export class HistogramFamily<L extends string> extends CellFamily<L, HistogramCell<L>> {
  readonly type = 'histogram';

  constructor(
    registry: Registry,
    definition: Definition<L>,
    readonly buckets: readonly number[],
  ) {
    super(registry, definition);
    if (buckets.some((bound, i) => i > 0 && bound <= buckets[i - 1]!)) {
      throw new RangeError(`${definition.name}: buckets must increase`);
    }
  }

  reset(): void {
    for (const cell of this.cells.values()) cell.reset();
  }

  protected create(labels: Labels<L>): HistogramCell<L> {
    return new HistogramCell(labels, this.buckets);
  }

  protected samples(): Sample[] {
    const bucketName = `${this.name}_bucket`;
    const samples: Sample[] = [];
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += cell.counts[i]!;
        const le = i < this.buckets.length ? this.buckets[i]! : '+Inf';
        samples.push({ value: cumulative, labels: { ...cell.labels, le }, metricName: bucketName });
      }
      samples.push({ value: cell.sum, labels: cell.labels, metricName: `${this.name}_sum` });
      samples.push({ value: cell.count, labels: cell.labels, metricName: `${this.name}_count` });
    }
    return samples;
  }
}

/** A gauge without labels read at scrape time; `undefined` means no sample (nothing to report). */
export class ComputedGauge extends Family<never> {
  readonly type = 'gauge';
  private source: (() => number | undefined) | undefined;

  constructor(registry: Registry, definition: Omit<Definition<never>, 'labelNames'>) {
    super(registry, { ...definition, labelNames: [] });
  }

  setSource(source: (() => number | undefined) | undefined): void {
    this.source = source;
  }

  reset(): void {}

  protected samples(): Sample[] {
    let value: number | undefined;
    try {
      value = this.source?.();
    } catch {
      // A broken source must not fail the whole scrape; its gauge just has no sample.
      value = undefined;
    }
    return value === undefined ? [] : [{ value, labels: {} }];
  }
}
