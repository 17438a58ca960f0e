// One table's rows: COPY TO STDOUT on a source connection (inside the
// shared snapshot) piped into COPY FROM STDIN on a target connection, binary
// when the table's types allow it, counted as they pass, never buffered whole.
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type postgres from 'postgres';
import { BinaryRowCounter, TextRowCounter } from './copy-counters.js';
import { CopyIn } from './copy-in.js';
import type { TableToCopy } from './copy-plan.js';
import type { ProgressTracker, TableProgress } from './copy-progress.js';

export async function copyTable(source: postgres.TransactionSql, target: pg.ClientBase, table: TableToCopy, progress: ProgressTracker): Promise<TableProgress> {
  const format = table.binary ? 'binary' : 'text';
  const options = table.binary ? ' (FORMAT binary)' : '';
  const onChunk = () => progress.moved(table.qualified);
  const counter = table.binary ? new BinaryRowCounter(onChunk) : new TextRowCounter(onChunk);
  progress.begin(table.qualified, format, counter);
  const from = await source.unsafe(`COPY ${table.qualified} (${table.columns}) TO STDOUT${options}`).readable();
  const to = await CopyIn.start(target, `COPY ${table.qualified} (${table.columns}) FROM STDIN${options}`);
  await pipeline(from, counter, to);
  // postgres.js pauses its socket when the stream's buffer is full and
  // resumes it from the stream's read(); when that happens on the last
  // chunk, the ended stream is never read again and the connection stays
  // paused before CommandComplete. Resume it once more.
  (from as unknown as { _read?: (size: number) => void })._read?.(0);
  return progress.end(table.qualified, to.rows);
}
