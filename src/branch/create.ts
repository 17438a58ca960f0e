// `pggit branch create`: a new branch whose database is built from the
// RECORDED schema at a revision (the SQL `pggit schema --at REF` prints), so
// a branch can start anywhere in history and never needs the source database
// to be idle. With data, the rows of the source branch's live tables follow
// (copy-data.ts).
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
import { copyData, type TableProgress } from './copy-data.js';
import { aliasBuiltDatabase } from './merge-identities.js';
import { branchDatabaseName, invalidBranchName, MAIN_BRANCH } from './names.js';

export interface CreateBranchInput {
  readonly repository: string;
  readonly name: string;
  /** A revision (branch, commit id or prefix, HEAD~n, branch@{time}); default main's head. */
  readonly from?: string | undefined;
  readonly withData?: boolean | undefined;
  readonly onProgress?: ((progress: TableProgress) => void) | undefined;
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
  readonly tables: readonly TableProgress[];
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
  if (input.withData) {
    // The source is the branch REF names (main when REF is a commit); REF must be its head.
    const source = branches.find((branch) => branch.name === from) ?? main;
    if (!source || source.head !== head) {
      throw new BranchError(
        'DATA_NEEDS_HEAD',
        `--with-data copies the live rows of a branch, so --from must be that branch's head; "${from}" is ${head.slice(0, 12)}, not the head of ${source?.name ?? MAIN_BRANCH} (${source?.head?.slice(0, 12) ?? 'none'})`,
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
    await createDatabase(context, database, dataSource?.database ?? main?.database ?? repository);
    databaseCreated = true;
    await buildSchema(context, database, schema);
    // The new database's objects are the commit's: merges follow them through renames (merge-identities.ts).
    const built = await withDatabase(context, database, (client) => readIdentities(client, schema.objects.map((object) => object.key)));
    await aliasBuiltDatabase(store, repositoryId, head, built);
    const tables = dataSource ? await copyData({ upstreamUrl: context.upstreamUrl, source: dataSource.database, target: database, onProgress: input.onProgress }) : [];
    await store.query('COMMIT');
    return { repository, name, database, head, from, dataFrom: dataSource?.name ?? null, tables, seconds: (performance.now() - started) / 1000 };
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

/** An empty database with the source's encoding and collation. */
async function createDatabase(context: BranchContext, database: string, like: string): Promise<void> {
  await withDatabase(context, undefined, async (admin) => {
    const { rows } = await admin.query<{ encoding: string; collate: string; ctype: string }>(
      'SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = $1',
      [like],
    );
    const source = rows[0];
    const settings = source
      ? ` ENCODING ${pg.escapeLiteral(source.encoding)} LC_COLLATE ${pg.escapeLiteral(source.collate)} LC_CTYPE ${pg.escapeLiteral(source.ctype)}`
      : '';
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} TEMPLATE template0${settings}`);
    } catch (error) {
      if ((error as { code?: string }).code === '42P04') {
        throw new BranchError('DATABASE_EXISTS', `database "${database}" already exists on the server but no branch uses it; drop it or pick another branch name`);
      }
      throw error;
    }
  });
}

async function buildSchema(context: BranchContext, database: string, schema: SchemaAt): Promise<void> {
  await withDatabase(context, database, async (client) => {
    try {
      await client.query(schema.sql);
    } catch (error) {
      throw new BranchError(
        'BUILD_FAILED',
        `the recorded schema at ${schema.commit.shortId} does not replay in a new database: ${(error as Error).message} (see: pggit schema --at ${schema.commit.shortId})`,
      );
    }
  });
}

export async function dropDatabase(context: BranchContext, database: string): Promise<void> {
  await withDatabase(context, undefined, (admin) => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`));
}
