// `pggit branch create`: a new branch whose database is built from the
// RECORDED schema at a revision (the SQL `pggit schema --at REF` prints), so
// a branch can start anywhere in history and never needs the source database
// to be idle. With data, the rows of the source branch's live tables follow
// (build-with-data.ts: parallel COPY in one snapshot, indexes and
// constraints after the rows). With --clone the server copies the source
// database's files instead (clone.ts).
//
// Atomic: the branch row is inserted first, inside a store transaction that
// stays open until the database is complete; on any failure the transaction
// rolls back and the half-made database is dropped. Until the commit no
// router sees the branch. Two processes creating the same branch: the second
// finds the first's advisory lock (BRANCH_BUSY) or, once the first has
// committed, the unique live name (BRANCH_EXISTS).
import pg from 'pg';
import { readIdentities, schemaAt, type SchemaAt } from '../history/index.js';
import { asBranchError, readerOf, repositoryIdOf, withDatabase, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { createEmptyDatabase, dropDatabase, replaySchema } from './branch-database.js';
import { buildWithData } from './build-with-data.js';
import { cloneDatabase, type Cloned } from './clone.js';
import type { CopyProgress, TableProgress } from './copy-progress.js';
import type { SourceSession } from './source-sessions.js';
import { aliasBuiltDatabase } from './merge-identities.js';
import { branchDatabaseName, invalidBranchName, MAIN_BRANCH } from './names.js';

export interface CreateBranchInput {
  readonly repository: string;
  readonly name: string;
  /** A revision (branch, commit id or prefix, HEAD~n, branch@{time}); default main's head. */
  readonly from?: string | undefined;
  readonly withData?: boolean | undefined;
  /** With data: workers copying at once, tables or pieces of one (default: see copy-jobs.ts). */
  readonly jobs?: number | undefined;
  /** With data, by the server copying the source database's files (implies withData). */
  readonly clone?: boolean | undefined;
  /** --clone: end the source's other sessions (onTerminate hears which first). */
  readonly terminate?: boolean | undefined;
  readonly onTerminate?: ((sessions: readonly SourceSession[]) => void) | undefined;
  /** --clone: awaited between the check of the source's sessions and CREATE DATABASE. */
  readonly onSourceChecked?: (() => Promise<void>) | undefined;
  readonly onProgress?: ((progress: CopyProgress) => void) | undefined;
  /** How often a table that is copying reports its rows (default 200 ms). */
  readonly progressIntervalMs?: number | undefined;
  /** Awaited once the copy's snapshot is exported, before the rows are read. */
  readonly onSnapshot?: ((snapshot: string) => Promise<void>) | undefined;
  /** With data: size of the pieces a big table is split into (default: see copy-pieces.ts). */
  readonly pieceBytes?: number | undefined;
}

export interface CreatedBranch {
  readonly repository: string;
  readonly name: string;
  readonly database: string;
  /** The commit the branch starts at (its head and created_from). */
  readonly head: string;
  readonly from: string;
  /** With data: the branch whose live rows were copied. */
  readonly dataFrom: string | null;
  /** How the database was made: replaying the schema, plus COPY of the rows, or a server-side copy of the files. */
  readonly method: 'schema' | 'copy' | 'clone' | 'file_copy';
  /** copy: workers that copied at once. */
  readonly jobs: number | null;
  readonly tables: readonly TableProgress[];
  /** clone/file_copy: why it is not a reflink clone; sessions ended by --terminate. */
  readonly note: string | null;
  readonly terminated: readonly SourceSession[];
  readonly seconds: number;
}

export async function createBranch(context: BranchContext, input: CreateBranchInput): Promise<CreatedBranch> {
  const started = performance.now();
  const { repository, name } = input;
  const invalid = invalidBranchName(name);
  if (invalid) throw new BranchError('INVALID_NAME', invalid);
  if (name === MAIN_BRANCH) throw new BranchError('BRANCH_EXISTS', `branch "main" of "${repository}" always exists: it is the database "${repository}" itself`);
  const repositoryId = await repositoryIdOf(context, repository);
  const reader = readerOf(context);
  const from = input.from ?? MAIN_BRANCH;
  let schema: SchemaAt;
  try {
    schema = await schemaAt(reader, { repository, branch: MAIN_BRANCH }, from);
  } catch (error) {
    throw asBranchError(error);
  }
  const head = schema.commit.id;
  const branches = await reader.branches(repository);
  const main = branches.find((branch) => branch.name === MAIN_BRANCH);
  let dataSource: { name: string; database: string } | undefined;
  const withData = input.withData || input.clone;
  if (withData) {
    // The source is the branch REF names (main when REF is a commit); REF must be its head.
    const source = branches.find((branch) => branch.name === from) ?? main;
    if (!source || source.head !== head) {
      throw new BranchError(
        'DATA_NEEDS_HEAD',
        `${input.clone ? '--clone' : '--with-data'} copies the live rows of a branch, so --from must be that branch's head; "${from}" is ${head.slice(0, 12)}, not the head of ${source?.name ?? MAIN_BRANCH} (${source?.head?.slice(0, 12) ?? 'none'})`,
      );
    }
    dataSource = { name: source.name, database: source.database };
  }
  const database = branchDatabaseName(repository, name);
  const store = await context.store.pool.connect();
  let databaseCreated = false;
  try {
    await store.query('BEGIN');
    const lock = await store.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`pggit branch ${repositoryId} ${name}`]);
    if (!lock.rows[0]?.ok) throw new BranchError('BRANCH_BUSY', `branch "${name}" of "${repository}" is being created by another process right now`);
    await insertBranchRow(store, { repositoryId, repository, name, head, database });
    let built: Pick<CreatedBranch, 'method' | 'jobs' | 'tables' | 'note' | 'terminated'> = { method: 'schema', jobs: null, tables: [], note: null, terminated: [] };
    if (input.clone && dataSource) {
      databaseCreated = true; // a half-made copy is dropped too
      const cloned: Cloned = await cloneDatabase(context, { source: dataSource.database, database, terminate: input.terminate, onTerminate: input.onTerminate, onSourceChecked: input.onSourceChecked });
      built = { ...built, method: cloned.method, note: cloned.note, terminated: cloned.terminated };
    } else {
      await createEmptyDatabase(context, database, dataSource?.database ?? main?.database ?? repository);
      databaseCreated = true;
      if (dataSource) {
        const copied = await buildWithData(context, { source: dataSource.database, database, schema, jobs: input.jobs, onProgress: input.onProgress, progressIntervalMs: input.progressIntervalMs, onSnapshot: input.onSnapshot, pieceBytes: input.pieceBytes });
        built = { ...built, method: 'copy', jobs: copied.jobs, tables: copied.tables };
      } else {
        await replaySchema(context, database, schema.sql, schema.commit.shortId);
      }
    }
    // The new database's objects are the commit's: merges follow them through renames (merge-identities.ts).
    const identities = await withDatabase(context, database, (client) => readIdentities(client, schema.objects.map((object) => object.key)));
    await aliasBuiltDatabase(store, repositoryId, head, identities);
    await store.query('COMMIT');
    return { repository, name, database, head, from, dataFrom: dataSource?.name ?? null, ...built, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await store.query('ROLLBACK').catch(() => undefined);
    if (databaseCreated) await dropDatabase(context, database).catch(() => undefined);
    throw error;
  } finally {
    store.release();
  }
}

async function insertBranchRow(
  store: pg.ClientBase,
  row: { repositoryId: number; repository: string; name: string; head: string; database: string },
): Promise<void> {
  try {
    await store.query(
      `INSERT INTO pggit.branches (repository_id, name, head, database, created_from) VALUES ($1, $2, $3, $4, $3)`,
      [row.repositoryId, row.name, row.head, row.database],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new BranchError('BRANCH_EXISTS', `branch "${row.name}" of "${row.repository}" already exists`);
    }
    throw error;
  }
}
