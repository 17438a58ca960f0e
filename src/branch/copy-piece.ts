// One piece of a table's rows (the whole table, or a range of its pages:
// copy-pieces.ts): COPY TO STDOUT on a source connection (inside the shared
// snapshot) piped into COPY FROM STDIN on a target connection, binary when
// the table's types allow it, counted as they pass, never buffered whole.
// pg-copy-streams carries both ends: the source's chunks arrive as the
// socket reads them (many rows each), and backpressure is the sockets' own.
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BinaryRowCounter, TextRowCounter } from './copy-counters.js';
import { pieceSource, type CopyPiece } from './copy-pieces.js';
import type { ProgressTracker } from './copy-progress.js';

export async function copyPiece(source: pg.ClientBase, target: pg.ClientBase, piece: CopyPiece, progress: ProgressTracker): Promise<void> {
  const { qualified, columns, binary } = piece.table;
  const options = binary ? ' (FORMAT binary)' : '';
  const onChunk = () => progress.moved(qualified);
  const counter = binary ? new BinaryRowCounter(onChunk) : new TextRowCounter(onChunk);
  progress.begin(qualified, binary ? 'binary' : 'text', counter);
  const from = source.query(copyTo(`COPY ${pieceSource(piece)} TO STDOUT${options}`));
  const to = target.query(copyFrom(`COPY ${qualified} (${columns}) FROM STDIN${options}`));
  await pipeline(from, counter, to);
  progress.end(qualified, counter, to.rowCount);
}
