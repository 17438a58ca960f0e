// --max-branches N: at most N branches besides main per repository. A
// create beyond it fails with TOO_MANY_BRANCHES (SQLSTATE 53400,
// configuration_limit_exceeded, as PostgreSQL answers for its own limits).
//
// Checked twice, so create.ts stays the one place that builds branches:
// before building (a clear error before any copying), and again once the
// branch is committed, under a per-repository advisory lock, for the creates
// that ran at the same time. Under the lock the checks take turns and each
// sees the branches committed before it, so exactly N survive: a create that
// finds the repository over the limit deletes its own branch and fails.
import type pg from 'pg';
import { repositoryIdOf, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { createBranch, type CreateBranchInput, type CreatedBranch } from './create.js';
import { deleteBranch } from './delete.js';
import { MAIN_BRANCH } from './names.js';

export const TOO_MANY_BRANCHES_SQLSTATE = '53400';

export async function createBranchWithinLimit(context: BranchContext, input: CreateBranchInput, maxBranches: number | undefined): Promise<CreatedBranch> {
  if (maxBranches === undefined) return createBranch(context, input);
  const repositoryId = await repositoryIdOf(context, input.repository);
  const before = await liveBranches(context, repositoryId);
  if (before >= maxBranches) throw tooMany(input.repository, maxBranches, before);
  const created = await createBranch(context, input);
  const client = await context.store.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pggit branch limit ${repositoryId}`]);
    const now = await liveBranches(context, repositoryId, client);
    if (now > maxBranches) {
      await deleteBranch(context, { repository: input.repository, name: input.name, force: true });
      throw tooMany(input.repository, maxBranches, now - 1);
    }
    await client.query('COMMIT');
    return created;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function liveBranches(context: BranchContext, repositoryId: number, client: pg.Pool | pg.ClientBase = context.store.pool): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pggit.branches WHERE repository_id = $1 AND deleted_at IS NULL AND name <> $2',
    [repositoryId, MAIN_BRANCH],
  );
  return rows[0]!.n;
}

function tooMany(repository: string, max: number, existing: number): BranchError {
  return new BranchError(
    'TOO_MANY_BRANCHES',
    `"${repository}" already has ${existing} branch${existing === 1 ? '' : 'es'} besides main and --max-branches is ${max}; delete some (pggit branch prune --merged) or raise the limit`,
    TOO_MANY_BRANCHES_SQLSTATE,
  );
}
