// --with-data: the rows of every table of the source branch database,
// streamed table by table with COPY TO STDOUT into COPY FROM STDIN of the new
// branch database, never buffered whole. All tables are read in one
// REPEATABLE READ snapshot, so the copy is consistent even while clients
// write to the source. The target runs with session_replication_role =
// replica (needs a superuser, like pg_restore --disable-triggers): foreign
// keys and user triggers do not fire, so tables may be filled in any order.
// Sequences are set to the source's values at the end.
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import postgres from 'postgres';
import { databaseConfig } from '../store/index.js';
import { BranchError } from './branch-error.js';
import { CopyIn } from './copy-in.js';

export interface TableProgress {
  /** "schema"."table" */
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  /** 1-based position and the number of tables. */
  readonly index: number;
  readonly total: number;
}

export interface CopyDataInput {
  readonly upstreamUrl: string;
  readonly source: string;
  readonly target: string;
  readonly onProgress?: ((progress: TableProgress) => void) | undefined;
}

interface TableToCopy {
  readonly schema: string;
  readonly name: string;
  readonly columns: string[];
}

export async function copyData(input: CopyDataInput): Promise<TableProgress[]> {
  const options = { max: 1, onnotice: () => undefined, connection: { application_name: 'pggit branch' } };
  const source = postgres(input.upstreamUrl, { ...options, database: input.source });
  const target = new pg.Client({ ...databaseConfig(input.upstreamUrl, input.target), application_name: 'pggit branch' });
  target.on('error', () => undefined);
  await target.connect();
  await target.query('SET session_replication_role = replica');
  const done: TableProgress[] = [];
  let failure: BranchError | undefined;
  try {
    await source.begin('isolation level repeatable read read only', async (tx) => {
      const tables = await tablesOf(tx);
      for (const [i, table] of tables.entries()) {
        const started = performance.now();
        const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
        const columns = table.columns.map(quoteIdent).join(', ');
        const counter = new RowCounter();
        try {
          const from = await tx.unsafe(`COPY ${qualified} (${columns}) TO STDOUT`).readable();
          const to = await CopyIn.start(target, `COPY ${qualified} (${columns}) FROM STDIN`);
          await pipeline(from, counter, to);
          // postgres.js pauses its socket when the stream's buffer is full and
          // resumes it from the stream's read(); when that happens on the last
          // chunk, the ended stream is never read again and the connection
          // stays paused before CommandComplete. Resume it once more.
          (from as unknown as { _read?: (size: number) => void })._read?.(0);
        } catch (error) {
          failure = new BranchError('COPY_FAILED', `copying the rows of ${qualified} failed: ${(error as Error).message}`);
          // A COPY cut off half-way leaves both connections mid-protocol: a
          // ROLLBACK would wait behind it for ever. Close them; the caller
          // drops the new database anyway.
          void source.end({ timeout: 0 });
          throw failure;
        }
        const progress = { table: qualified, rows: counter.rows, bytes: counter.bytes, seconds: (performance.now() - started) / 1000, index: i + 1, total: tables.length };
        done.push(progress);
        input.onProgress?.(progress);
      }
      await copySequences(tx, target);
    });
  } catch (error) {
    throw failure ?? error;
  } finally {
    await Promise.all([source.end({ timeout: 5 }), target.end().catch(() => undefined)]);
  }
  return done;
}

/** Ordinary tables (partitions included, as leaves), not those of extensions; the columns COPY can fill. */
async function tablesOf(sql: postgres.Sql | postgres.TransactionSql): Promise<TableToCopy[]> {
  const rows = await sql<Array<{ schema: string; name: string; columns: string[] }>>`
    SELECT n.nspname AS schema, c.relname AS name,
           array(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                  ORDER BY a.attnum) AS columns
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY 1, 2`;
  return rows.filter((row) => row.columns.length > 0);
}

async function copySequences(source: postgres.TransactionSql, target: pg.Client): Promise<void> {
  const sequences = await source<Array<{ name: string; last_value: string | null; is_called: boolean }>>`
    SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS last_value, last_value IS NOT NULL AS is_called
      FROM pg_sequences
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`;
  for (const sequence of sequences) {
    if (sequence.last_value === null) continue; // never used: the new one starts where it should
    await target.query('SELECT setval($1::regclass, $2::bigint, $3)', [sequence.name, sequence.last_value, sequence.is_called]);
  }
}

/** Counts bytes and rows (text COPY: one newline per row; newlines in values are escaped) as they pass. */
class RowCounter extends Transform {
  rows = 0;
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    let at = chunk.indexOf(10);
    while (at >= 0) {
      this.rows++;
      at = chunk.indexOf(10, at + 1);
    }
    callback(null, chunk);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
