// Progress of a data copy, for a terminal bar or JSON lines: bytes and rows
// per table and in total, updated while a table copies (at most every
// UPDATE_MS per table, so a big table is seen moving), then once when it
// ends, then the post-data phase (indexes, constraints, triggers).
import type { CopyCounter } from './copy-counters.js';

export type CopyProgress =
  | {
      readonly event: 'rows' | 'table-done';
      readonly table: string;
      readonly format: 'binary' | 'text';
      readonly rows: number;
      readonly bytes: number;
      readonly seconds: number;
      readonly total: CopyTotals;
    }
  | { readonly event: 'post-data'; readonly statements: number; readonly total: CopyTotals }
  | { readonly event: 'done'; readonly total: CopyTotals };

export interface CopyTotals {
  readonly tables: number;
  readonly tablesDone: number;
  readonly rows: number;
  readonly bytes: number;
  /** On-disk size of the source tables: the bar's denominator (COPY bytes differ somewhat). */
  readonly estimatedBytes: number;
  readonly jobs: number;
  readonly seconds: number;
}

/** A finished table. */
export interface TableProgress {
  /** "schema"."table" */
  readonly table: string;
  readonly format: 'binary' | 'text';
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** How often a moving table reports, by default. */
export const UPDATE_MS = 200;

interface Moving {
  readonly counter: CopyCounter;
  readonly format: 'binary' | 'text';
  readonly started: number;
  lastUpdate: number;
}

export class ProgressTracker {
  readonly done: TableProgress[] = [];
  private readonly moving = new Map<string, Moving>();
  private readonly started = performance.now();

  constructor(
    private readonly tables: number,
    private readonly estimatedBytes: number,
    private readonly jobs: number,
    private readonly report: (progress: CopyProgress) => void = () => undefined,
    private readonly updateMs = UPDATE_MS,
  ) {}

  begin(table: string, format: 'binary' | 'text', counter: CopyCounter): void {
    const now = performance.now();
    this.moving.set(table, { counter, format, started: now, lastUpdate: now });
  }

  /** After each chunk of table: an update when the last one is old enough. */
  moved(table: string): void {
    const moving = this.moving.get(table);
    const now = performance.now();
    if (!moving || now - moving.lastUpdate < this.updateMs) return;
    moving.lastUpdate = now;
    this.report({ event: 'rows', table, ...this.current(moving, now), total: this.totals() });
  }

  /** rows: the count the server stored (COPY n). */
  end(table: string, rows: number): TableProgress {
    const moving = this.moving.get(table)!;
    this.moving.delete(table);
    const finished = { table, ...this.current(moving, performance.now()), rows };
    this.done.push(finished);
    this.report({ event: 'table-done', ...finished, total: this.totals() });
    return finished;
  }

  postData(statements: number): void {
    this.report({ event: 'post-data', statements, total: this.totals() });
  }

  finish(): void {
    this.report({ event: 'done', total: this.totals() });
  }

  totals(): CopyTotals {
    let rows = 0;
    let bytes = 0;
    for (const table of this.done) {
      rows += table.rows;
      bytes += table.bytes;
    }
    for (const moving of this.moving.values()) {
      rows += moving.counter.rows;
      bytes += moving.counter.bytes;
    }
    const seconds = (performance.now() - this.started) / 1000;
    return { tables: this.tables, tablesDone: this.done.length, rows, bytes, estimatedBytes: this.estimatedBytes, jobs: this.jobs, seconds };
  }

  private current(moving: Moving, now: number): { format: 'binary' | 'text'; rows: number; bytes: number; seconds: number } {
    return { format: moving.format, rows: moving.counter.rows, bytes: moving.counter.bytes, seconds: (now - moving.started) / 1000 };
  }
}
