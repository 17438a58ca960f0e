// `pggit branch prune`: deletes the branches that match every criterion
// given (--merged: its head is in its parent's history; --idle-for: no
// session reached it through pggit for that long, counting from its
// creation when none ever did) through the ordinary delete path. Never main;
// never a branch with open sessions unless forced. Says what it skipped and
// why, and how much space the deleted databases held.
import { BranchError } from './branch-error.js';
import { deleteBranch } from './delete.js';
import { listBranches, type BranchSummary } from './list.js';
import { MAIN_BRANCH } from './names.js';
import type { BranchContext } from './admin.js';

export interface PruneInput {
  readonly repository: string;
  readonly merged?: boolean | undefined;
  /** A PostgreSQL interval: "14d", "12 hours", "2w". */
  readonly idleFor?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** End open sessions (DROP DATABASE ... WITH (FORCE)) instead of skipping the branch. */
  readonly force?: boolean | undefined;
}

export interface PrunedBranch {
  readonly name: string;
  readonly database: string;
  readonly sizeBytes: number;
  /** Why it matched: "merged into main", "idle since ...". */
  readonly reasons: readonly string[];
  readonly terminatedSessions: number;
}

export interface SkippedBranch {
  readonly name: string;
  readonly reason: string;
}

export interface PruneResult {
  readonly repository: string;
  readonly dryRun: boolean;
  readonly deleted: readonly PrunedBranch[];
  readonly skipped: readonly SkippedBranch[];
  /** What the deleted databases held (pg_database_size just before). */
  readonly freedBytes: number;
}

export async function pruneBranches(context: BranchContext, input: PruneInput): Promise<PruneResult> {
  if (!input.merged && input.idleFor === undefined) {
    throw new BranchError('INVALID_ARGUMENT', 'branch prune needs a criterion: --merged, --idle-for INTERVAL, or both');
  }
  const branches = await listBranches(context, input.repository);
  const idleSince = input.idleFor === undefined ? undefined : await cutoff(context, input.idleFor);
  const deleted: PrunedBranch[] = [];
  const skipped: SkippedBranch[] = [];
  for (const branch of branches) {
    const reasons = matches(branch, input.merged === true, idleSince);
    if (reasons === undefined) continue;
    if (branch.name === MAIN_BRANCH) {
      skipped.push({ name: branch.name, reason: `main is the database "${input.repository}" itself and is never pruned` });
      continue;
    }
    if (branch.connections > 0 && !input.force) {
      skipped.push({ name: branch.name, reason: `${branch.connections} open session${branch.connections === 1 ? '' : 's'} (--force ends them)` });
      continue;
    }
    const size = branch.sizeBytes ?? 0;
    if (input.dryRun) {
      deleted.push({ name: branch.name, database: branch.database, sizeBytes: size, reasons, terminatedSessions: 0 });
      continue;
    }
    try {
      const done = await deleteBranch(context, { repository: input.repository, name: branch.name, force: input.force });
      deleted.push({ name: branch.name, database: branch.database, sizeBytes: size, reasons, terminatedSessions: done.terminatedSessions });
    } catch (error) {
      // A session arrived or another process deleted it meanwhile: say so and go on with the rest.
      if (!(error instanceof BranchError)) throw error;
      skipped.push({ name: branch.name, reason: error.message });
    }
  }
  return {
    repository: input.repository,
    dryRun: input.dryRun === true,
    deleted,
    skipped,
    freedBytes: deleted.reduce((sum, branch) => sum + branch.sizeBytes, 0),
  };
}

/** Why the branch matches every criterion, or undefined when one fails. */
function matches(branch: BranchSummary, merged: boolean, idleSince: Date | undefined): string[] | undefined {
  const reasons: string[] = [];
  if (merged) {
    // main has no parent: never "merged".
    if (branch.merged !== true) return undefined;
    reasons.push(`merged into ${branch.parent}`);
  }
  if (idleSince !== undefined) {
    const last = branch.lastSessionAt ?? branch.createdAt;
    if (branch.connections > 0 || new Date(last) >= idleSince) return undefined;
    reasons.push(branch.lastSessionAt === null ? `no session since it was created (${last})` : `last session ${last}`);
  }
  return reasons;
}

/** now() - interval, by the store's clock and PostgreSQL's interval syntax. */
async function cutoff(context: BranchContext, interval: string): Promise<Date> {
  try {
    const { rows } = await context.store.pool.query<{ at: Date }>('SELECT now() - $1::interval AS at', [interval]);
    return rows[0]!.at;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '22007' || code === '22008' || code === '22015') {
      throw new BranchError('INVALID_ARGUMENT', `--idle-for "${interval}" is not a PostgreSQL interval (for example 14d, 12 hours, 2w)`);
    }
    throw error;
  }
}
