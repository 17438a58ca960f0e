// Progress of a data copy, for a terminal bar or JSON lines: bytes and rows
// per table and in total, updated while a table copies (at most every
// UPDATE_MS per table, so a big table is seen moving), then once when it
// ends, then the post-data phase (indexes, constraints, triggers). A table
// copied in several pieces at once counts them all as one table.
import type { CopyCounter } from './copy-counters.js';

export type CopyProgress =
  | {
      readonly event: 'rows' | 'table-done';
      readonly table: string;
      readonly format: 'binary' | 'text';
      readonly rows: number;
      readonly bytes: number;
      readonly seconds: number;
      /** table-done: COPYs the table was read in. */
      readonly pieces?: number;
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
  /** COPYs it was read in: more than one when it was split into page ranges. */
  readonly pieces: number;
}

/** How often a moving table reports, by default. */
export const UPDATE_MS = 200;

/** A table being copied, in one piece or several at once (copy-pieces.ts). */
interface Moving {
  readonly format: 'binary' | 'text';
  readonly started: number;
  lastUpdate: number;
  piecesLeft: number;
  readonly counters: Set<CopyCounter>;
  /** Rows (as the server stored them) and bytes of its finished pieces. */
  rowsDone: number;
  bytesDone: number;
}

export class ProgressTracker {
  readonly done: TableProgress[] = [];
  private readonly moving = new Map<string, Moving>();
  private readonly started = performance.now();
  private readonly tables: number;

  /** pieces: how many pieces each table is copied in. */
  constructor(
    private readonly pieces: ReadonlyMap<string, number>,
    private readonly estimatedBytes: number,
    private readonly jobs: number,
    private readonly report: (progress: CopyProgress) => void = () => undefined,
    private readonly updateMs = UPDATE_MS,
  ) {
    this.tables = pieces.size;
  }

  /** A piece of table starts; counter counts its stream. */
  begin(table: string, format: 'binary' | 'text', counter: CopyCounter): void {
    let moving = this.moving.get(table);
    if (!moving) {
      const now = performance.now();
      moving = { format, started: now, lastUpdate: now, piecesLeft: this.pieces.get(table) ?? 1, counters: new Set(), rowsDone: 0, bytesDone: 0 };
      this.moving.set(table, moving);
    }
    moving.counters.add(counter);
  }

  /** After each chunk of table: an update when the last one is old enough. */
  moved(table: string): void {
    const moving = this.moving.get(table);
    const now = performance.now();
    if (!moving || now - moving.lastUpdate < this.updateMs) return;
    moving.lastUpdate = now;
    this.report({ event: 'rows', table, ...this.current(moving, now), total: this.totals() });
  }

  /** A piece of table ended; rows: the count the server stored (COPY n). The table, once its last piece ended. */
  end(table: string, counter: CopyCounter, rows: number): TableProgress | undefined {
    const moving = this.moving.get(table)!;
    moving.counters.delete(counter);
    moving.rowsDone += rows;
    moving.bytesDone += counter.bytes;
    if (--moving.piecesLeft > 0) return undefined;
    this.moving.delete(table);
    const finished = { table, ...this.current(moving, performance.now()), pieces: this.pieces.get(table) ?? 1 };
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
      const current = this.current(moving, 0);
      rows += current.rows;
      bytes += current.bytes;
    }
    const seconds = (performance.now() - this.started) / 1000;
    return { tables: this.tables, tablesDone: this.done.length, rows, bytes, estimatedBytes: this.estimatedBytes, jobs: this.jobs, seconds };
  }

  /** The table's finished pieces plus what its moving ones counted so far. */
  private current(moving: Moving, now: number): { format: 'binary' | 'text'; rows: number; bytes: number; seconds: number } {
    let rows = moving.rowsDone;
    let bytes = moving.bytesDone;
    for (const counter of moving.counters) {
      rows += counter.rows;
      bytes += counter.bytes;
    }
    return { format: moving.format, rows, bytes, seconds: (now - moving.started) / 1000 };
  }
}
