// One piece of a table's rows (the whole table, or a range of its pages:
// copy-pieces.ts): COPY TO STDOUT on a source connection (inside the shared
// snapshot) handed message by message to COPY FROM STDIN on a target
// connection (copy-out.ts, copy-in.ts), binary when the table's types allow
// it, counted as they pass, never buffered whole.
import type pg from 'pg';
import { CopyIn } from './copy-in.js';
import { CopyOut } from './copy-out.js';
import { pieceSource, type CopyPiece } from './copy-pieces.js';
import type { ProgressTracker } from './copy-progress.js';

export async function copyPiece(source: pg.ClientBase, target: pg.ClientBase, piece: CopyPiece, progress: ProgressTracker): Promise<void> {
  const { qualified, columns, binary } = piece.table;
  const options = binary ? ' (FORMAT binary)' : '';
  const into = await CopyIn.start(target, `COPY ${qualified} (${columns}) FROM STDIN${options}`);
  const out = new CopyOut(`COPY ${pieceSource(piece)} TO STDOUT${options}`, binary, into, () => progress.moved(qualified));
  progress.begin(qualified, binary ? 'binary' : 'text', out);
  await out.run(source);
  const rows = await into.finish();
  progress.end(qualified, out, rows);
}
