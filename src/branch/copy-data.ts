// --with-data: the rows of every table of the source branch database, copied
// by `jobs` workers at once. A coordinator opens a REPEATABLE READ
// transaction and exports its snapshot; every worker imports it (SET
// TRANSACTION SNAPSHOT), so all tables are read as of one instant even while
// clients write to the source. Each worker takes the next piece (largest
// first) and streams COPY TO STDOUT into COPY FROM STDIN of the new database
// (copy-piece.ts). The new database has no indexes, constraints or triggers
// yet (schema-phases.ts): rows go in in any order, as any role that may
// insert them, with no superuser setting. A table bigger than a piece is
// split into ranges of pages (copy-pieces.ts), so several workers copy it at
// once. Sequences are set to the source's values at the end.
import pg from 'pg';
import { databaseConfig } from '../store/index.js';
import { BranchError } from './branch-error.js';
import { tablesToCopy } from './copy-plan.js';
import { ProgressTracker, type CopyProgress } from './copy-progress.js';
import { copyPiece } from './copy-piece.js';
import { piecesPerTable, splitTables, type CopyPiece } from './copy-pieces.js';
import { defaultJobs, jobsThatFit } from './copy-jobs.js';

export interface CopyDataInput {
  readonly upstreamUrl: string;
  readonly source: string;
  readonly target: string;
  /** Parallel workers; default defaultJobs(upstreamUrl). */
  readonly jobs?: number | undefined;
  readonly onProgress?: ((progress: CopyProgress) => void) | undefined;
  /** How often a table that is copying reports its rows (default UPDATE_MS). */
  readonly progressIntervalMs?: number | undefined;
  /** Awaited once the snapshot is exported, before any worker starts (a test commits a change there). */
  readonly onSnapshot?: ((snapshot: string) => Promise<void>) | undefined;
  /** Size of a table's pieces (default: see copy-pieces.ts). */
  readonly pieceBytes?: number | undefined;
}

export interface CopiedData {
  readonly progress: ProgressTracker;
  readonly jobs: number;
  /** Materialized views (format('%I.%I')) that hold rows in the source: post-data refreshes them. */
  readonly populatedViews: ReadonlySet<string>;
}

const APPLICATION = 'pggit branch';
const SNAPSHOT_TRANSACTION = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

export async function copyData(input: CopyDataInput): Promise<CopiedData> {
  const connections: pg.Client[] = [];
  let failure: unknown;
  const abort = (error: unknown) => {
    failure ??= error;
    // A COPY cut off half-way leaves its connections mid-protocol: close them all; the caller drops the database.
    for (const connection of connections) void connection.end().catch(() => undefined);
  };
  try {
    // The coordinator's transaction stays open (and its snapshot importable) until every worker is done.
    const coordinator = await connect(input, input.source, connections);
    await coordinator.query(SNAPSHOT_TRANSACTION);
    const { rows: [exported] } = await coordinator.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const snapshot = exported!.snapshot;
    const tables = await tablesToCopy(coordinator);
    const fit = await jobsThatFit(coordinator, input.jobs ?? defaultJobs(input.upstreamUrl));
    const estimated = tables.reduce((sum, table) => sum + table.bytes, 0);
    const version = Number((await coordinator.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    const queue = splitTables(tables, { jobs: fit, serverVersion: version, pieceBytes: input.pieceBytes });
    const jobs = Math.max(1, Math.min(fit, queue.length));
    const progress = new ProgressTracker(piecesPerTable(queue), estimated, jobs, input.onProgress, input.progressIntervalMs);
    await input.onSnapshot?.(snapshot);
    await Promise.all(Array.from({ length: jobs }, () => worker(input, snapshot, queue, progress, connections).catch(abort)));
    if (failure) throw failure;
    const target = await connect(input, input.target, connections);
    await copySequences(coordinator, target);
    const views = await coordinator.query<{ name: string }>(`SELECT format('%I.%I', schemaname, matviewname) AS name FROM pg_matviews WHERE ispopulated`);
    await coordinator.query('COMMIT');
    return { progress, jobs, populatedViews: new Set(views.rows.map((view) => view.name)) };
  } catch (error) {
    throw failure ?? error;
  } finally {
    await Promise.all(connections.map((connection) => connection.end().catch(() => undefined)));
  }
}

/** Takes pieces from the shared queue until it is empty, inside the exported snapshot. */
async function worker(input: CopyDataInput, snapshot: string, queue: CopyPiece[], progress: ProgressTracker, connections: pg.Client[]): Promise<void> {
  const source = await connect(input, input.source, connections);
  const target = await connect(input, input.target, connections);
  await source.query(SNAPSHOT_TRANSACTION);
  await source.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(snapshot)}`);
  for (let piece = queue.shift(); piece; piece = queue.shift()) {
    try {
      await copyPiece(source, target, piece, progress);
    } catch (error) {
      throw copyFailure(piece.table.qualified, error);
    }
  }
  await source.query('COMMIT');
}

async function connect(input: CopyDataInput, database: string, connections: pg.Client[]): Promise<pg.Client> {
  const client = new pg.Client({ ...databaseConfig(input.upstreamUrl, database), application_name: APPLICATION });
  // A connection that breaks mid-COPY fails that COPY's query; the event itself needs no handling.
  client.on('error', () => undefined);
  connections.push(client);
  await client.connect();
  // A branch that a crash cut short is dropped anyway: no need to wait for each COPY's WAL flush.
  if (database === input.target) await client.query('SET synchronous_commit = off');
  return client;
}

function copyFailure(table: string, error: unknown): BranchError {
  const { message, code } = error as { message: string; code?: string };
  const state = code ? ` (SQLSTATE ${code})` : '';
  const hint =
    code === '42501' ? `; the role needs SELECT on ${table} in the source database and INSERT on it in the new one (the tables' owner has both)` : '';
  return new BranchError('COPY_FAILED', `copying the rows of ${table} failed: ${message}${state}${hint}`);
}

async function copySequences(source: pg.ClientBase, target: pg.ClientBase): Promise<void> {
  const { rows: sequences } = await source.query<{ name: string; last_value: string | null; is_called: boolean }>(`
    SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS last_value, last_value IS NOT NULL AS is_called
      FROM pg_sequences
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
  for (const sequence of sequences) {
    if (sequence.last_value === null) continue; // never used: the new one starts where it should
    await target.query('SELECT setval($1::regclass, $2::bigint, $3)', [sequence.name, sequence.last_value, sequence.is_called]);
  }
}
