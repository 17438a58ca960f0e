// How --with-data shares a big table among its workers: a table larger than
// a piece is split into ranges of pages, each its own COPY of `SELECT ...
// WHERE ctid >= '(a,0)' AND ctid < '(b,0)'`, which PostgreSQL 14+ runs as a
// TID range scan reading only those pages (before 14 every piece would scan
// the whole table, so nothing is split there). Every piece is read in the
// same exported snapshot, so the pieces add up to the table. Pages come from
// relpages (no lock needed); the last piece has no upper bound, so rows on
// pages added since the last VACUUM or ANALYZE are in it.
import type { TableToCopy } from './copy-plan.js';

export interface CopyPiece {
  readonly table: TableToCopy;
  /** First page, and the page after the last (null: to the end); null for the whole table. */
  readonly pages: { readonly from: number; readonly to: number | null } | null;
  readonly bytes: number;
}

/** The smallest piece worth its own COPY. */
export const MIN_PIECE_BYTES = 32 * 1024 * 1024;
/** Pieces per worker, so workers that finish early find work left. */
const PIECES_PER_JOB = 4;
const TID_RANGE_SCAN_VERSION = 140000;

export interface SplitOptions {
  readonly jobs: number;
  readonly serverVersion: number;
  /** Piece size (default: the total over PIECES_PER_JOB per job, at least MIN_PIECE_BYTES). */
  readonly pieceBytes?: number | undefined;
}

/** The pieces to copy, largest first. */
export function splitTables(tables: readonly TableToCopy[], options: SplitOptions): CopyPiece[] {
  const whole = (table: TableToCopy): CopyPiece => ({ table, pages: null, bytes: table.bytes });
  if (options.jobs < 2 || options.serverVersion < TID_RANGE_SCAN_VERSION) return tables.map(whole);
  const total = tables.reduce((sum, table) => sum + table.bytes, 0);
  const pieceBytes = options.pieceBytes ?? Math.max(MIN_PIECE_BYTES, Math.ceil(total / (options.jobs * PIECES_PER_JOB)));
  const pieces = tables.flatMap((table) => {
    const count = Math.min(table.pages, Math.floor(table.bytes / pieceBytes));
    if (count < 2) return [whole(table)];
    const pagesEach = Math.ceil(table.pages / count);
    return Array.from({ length: count }, (_, i): CopyPiece => {
      const from = i * pagesEach;
      const to = i === count - 1 ? null : Math.min(table.pages, from + pagesEach);
      return { table, pages: { from, to }, bytes: ((to ?? table.pages) - from) * (table.bytes / table.pages) };
    });
  });
  return pieces.sort((a, b) => b.bytes - a.bytes);
}

/** What COPY ... TO STDOUT reads for a piece: the table and its columns, or a query over its page range. */
export function pieceSource(piece: CopyPiece): string {
  const { qualified, columns } = piece.table;
  if (!piece.pages) return `${qualified} (${columns})`;
  const upper = piece.pages.to === null ? '' : ` AND ctid < '(${piece.pages.to},0)'::tid`;
  return `(SELECT ${columns} FROM ${qualified} WHERE ctid >= '(${piece.pages.from},0)'::tid${upper})`;
}

/** How many pieces each table has. */
export function piecesPerTable(pieces: readonly CopyPiece[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const piece of pieces) counts.set(piece.table.qualified, (counts.get(piece.table.qualified) ?? 0) + 1);
  return counts;
}
