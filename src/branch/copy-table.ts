// One table's rows: COPY TO STDOUT on a source connection (inside the
// shared snapshot) piped into COPY FROM STDIN on a target connection, binary
// when the table's types allow it, counted as they pass, never buffered whole.
// pg-copy-streams carries both ends: the source's chunks arrive as the
// socket reads them (many rows each), and backpressure is the sockets' own.
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BinaryRowCounter, TextRowCounter } from './copy-counters.js';
import type { TableToCopy } from './copy-plan.js';
import type { ProgressTracker, TableProgress } from './copy-progress.js';

export async function copyTable(source: pg.ClientBase, target: pg.ClientBase, table: TableToCopy, progress: ProgressTracker): Promise<TableProgress> {
  const format = table.binary ? 'binary' : 'text';
  const options = table.binary ? ' (FORMAT binary)' : '';
  const onChunk = () => progress.moved(table.qualified);
  const counter = table.binary ? new BinaryRowCounter(onChunk) : new TextRowCounter(onChunk);
  progress.begin(table.qualified, format, counter);
  const from = source.query(copyTo(`COPY ${table.qualified} (${table.columns}) TO STDOUT${options}`));
  const to = target.query(copyFrom(`COPY ${table.qualified} (${table.columns}) FROM STDIN${options}`));
  await pipeline(from, counter, to);
  return progress.end(table.qualified, to.rowCount);
}
