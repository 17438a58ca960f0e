// `pggit branch delete`: marks the branch deleted (its commits stay, and so
// does its row, so its history stays readable) and drops its database.
// Refuses main, and a branch with client sessions unless forced; forced, the
// sessions are terminated (DROP DATABASE ... WITH (FORCE)).
import pg from 'pg';
import { clientSessions, repositoryIdOf, withDatabase, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { MAIN_BRANCH } from './names.js';

export interface DeleteBranchInput {
  readonly repository: string;
  readonly name: string;
  readonly force?: boolean | undefined;
}

export interface DeletedBranch {
  readonly repository: string;
  readonly name: string;
  readonly database: string;
  readonly head: string | null;
  /** Client sessions ended by --force. */
  readonly terminatedSessions: number;
}

export async function deleteBranch(context: BranchContext, input: DeleteBranchInput): Promise<DeletedBranch> {
  const { repository, name } = input;
  if (name === MAIN_BRANCH) {
    throw new BranchError('PROTECTED_BRANCH', `branch "main" cannot be deleted: it is the database "${repository}" itself`);
  }
  const repositoryId = await repositoryIdOf(context, repository);
  const store = await context.store.pool.connect();
  try {
    await store.query('BEGIN');
    // Marked first, inside the transaction: the row lock keeps concurrent
    // deletes and head moves out until the database is gone.
    const { rows } = await store.query<{ database: string; head: string | null }>(
      `UPDATE pggit.branches SET deleted_at = now()
        WHERE repository_id = $1 AND name = $2 AND deleted_at IS NULL RETURNING database, head`,
      [repositoryId, name],
    );
    const branch = rows[0];
    if (!branch) {
      const known = await store.query<{ name: string }>(
        'SELECT name FROM pggit.branches WHERE repository_id = $1 AND deleted_at IS NULL ORDER BY name',
        [repositoryId],
      );
      throw new BranchError('UNKNOWN_BRANCH', `no branch "${name}" in "${repository}"; branches: ${known.rows.map((row) => row.name).join(', ') || 'none'}`);
    }
    // A merge in progress into or from the branch has nothing left to finish.
    await store.query('DELETE FROM pggit.merges WHERE repository_id = $1 AND (target = $2 OR source = $2)', [repositoryId, name]);
    const terminated = await withDatabase(context, undefined, async (admin) => {
      const sessions = (await clientSessions(admin, [branch.database])).get(branch.database) ?? 0;
      if (sessions > 0 && !input.force) {
        throw new BranchError(
          'BRANCH_IN_USE',
          `branch "${name}" has ${sessions} open session${sessions === 1 ? '' : 's'} on database "${branch.database}"; close them or delete with --force to end them`,
        );
      }
      // FORCE also ends pggit's own idle connections (the recorder's catalog reads).
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(branch.database)} WITH (FORCE)`);
      return sessions;
    });
    await store.query('COMMIT');
    return { repository, name, database: branch.database, head: branch.head, terminatedSessions: terminated };
  } catch (error) {
    await store.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    store.release();
  }
}
