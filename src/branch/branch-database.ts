// The physical database of a new branch: created empty (with the source's
// encoding and collation), filled by replaying SQL, dropped on failure.
import pg from 'pg';
import { withDatabase, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';

/** An empty database with the source's encoding and collation. */
export async function createEmptyDatabase(context: BranchContext, database: string, like: string): Promise<void> {
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
      throw createDatabaseError(error, database);
    }
  });
}

/** What a failed CREATE DATABASE means for a branch. */
export function createDatabaseError(error: unknown, database: string): unknown {
  const code = (error as { code?: string }).code;
  if (code === '42P04') {
    return new BranchError('DATABASE_EXISTS', `database "${database}" already exists on the server but no branch uses it; drop it or pick another branch name`);
  }
  if (code === '42501') {
    return new BranchError('PERMISSION_DENIED', `${(error as Error).message} (SQLSTATE 42501): the upstream role needs CREATEDB to create branch databases`);
  }
  return error;
}

/** Runs sql (a rendered schema or part of one) in database; what fails is named with its SQLSTATE. */
export async function replaySchema(context: BranchContext, database: string, sql: string, shortId: string): Promise<void> {
  await withDatabase(context, database, async (client) => {
    try {
      await client.query(sql);
    } catch (error) {
      throw replayError(error, shortId);
    }
  });
}

export function replayError(error: unknown, shortId: string): BranchError {
  const code = (error as { code?: string }).code;
  return new BranchError(
    'BUILD_FAILED',
    `the recorded schema at ${shortId} does not replay in a new database: ${(error as Error).message}${code ? ` (SQLSTATE ${code})` : ''} (see: pggit schema --at ${shortId})`,
  );
}

export async function dropDatabase(context: BranchContext, database: string): Promise<void> {
  await withDatabase(context, undefined, (admin) => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`));
}
