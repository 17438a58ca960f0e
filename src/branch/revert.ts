// `pggit revert REF` (and POST /api/revert): undoes what commit REF changed
// relative to its first parent on a branch's head, as a three-way merge
// (base = REF, ours = head, theirs = REF's parent). Objects a later commit
// changed again are conflicts and nothing is applied. Otherwise the plan
// runs on the branch's database and a commit of kind `revert` records the
// schema the database then has.
import { resolveRef, shortId } from '../history/index.js';
import { mergeTrees, diff, type PlanStatement } from '../plan/index.js';
import { databaseConfig, StoreError, type CommitRow, type HistoryReader, type LockedBranch } from '../store/index.js';
import { afterFailure, applyAndRecordLocked, type Applied } from './apply-record.js';
import { identitiesBetween } from './identities.js';
import { asBranchError, readerOf, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { summarize, withSizes, type DiffSummary } from './diff.js';
import { objectsAt } from './schema-source.js';
import { describeConflicts, type RevertConflict } from './revert-conflicts.js';

export interface RevertInput {
  readonly repository: string;
  readonly ref: string;
  /** Default: the branch the commit was recorded on. */
  readonly branch?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** Apply even when the plan deletes data. */
  readonly force?: boolean | undefined;
}

export interface RevertResult {
  readonly repository: string;
  readonly branch: string;
  /** The commit undone. */
  readonly reverted: string;
  readonly head: string;
  readonly statements: PlanStatement[];
  readonly summary: DiffSummary;
  readonly conflicts: RevertConflict[];
  readonly applied: boolean;
  /** The revert commit, when applied. */
  readonly commit: string | null;
}

/** What a DELETES_DATA refusal says: each table or column at stake with its rows. */
export function destructiveSteps(plan: readonly PlanStatement[]): string[] {
  return plan.flatMap((statement) =>
    statement.hazards
      .filter((hazard) => hazard.kind === 'DELETES_DATA')
      .map((hazard) => `${hazard.detail}${hazard.rows !== undefined ? ` (${hazard.rows.toLocaleString('en-US')} rows)` : ''}`),
  );
}

export async function revertCommit(context: BranchContext, input: RevertInput): Promise<RevertResult> {
  const reader = readerOf(context);
  try {
    const target = await resolveRef(reader, { repository: input.repository, branch: input.branch ?? 'main' }, input.ref);
    const commit = await reader.commit(input.repository, target.id);
    if (!commit) throw new StoreError('UNKNOWN_REF', `commit ${target.id} is not in "${input.repository}"`);
    const branchName = input.branch ?? commit.branch;
    const branch = (await reader.branches(input.repository)).find((row) => row.name === branchName);
    if (!branch?.head) throw new BranchError('UNKNOWN_BRANCH', `no branch "${branchName}" with commits in "${input.repository}"`);
    // Planned, applied and recorded under the branch's lock: no commit lands on the branch in between.
    const done = await context.store.withBranchLock(input.repository, branch.name, (head, locked) =>
      revertOnHead({ context, reader, input, commit, branch: branch.name, database: branch.database, head }, locked),
    );
    if (done.applied?.failedAfter) throw afterFailure({ doing: `reverting ${shortId(commit.id)}` }, done.applied);
    return done.result;
  } catch (error) {
    throw asBranchError(error);
  }
}

interface RevertTarget {
  readonly context: BranchContext;
  readonly reader: HistoryReader;
  readonly input: RevertInput;
  readonly commit: CommitRow;
  readonly branch: string;
  readonly database: string;
  readonly head: string | null;
}

async function revertOnHead(target: RevertTarget, locked: LockedBranch): Promise<{ result: RevertResult; applied?: Applied }> {
  const { context, reader, input, commit, head } = target;
  if (head === null) throw new BranchError('UNKNOWN_BRANCH', `no branch "${target.branch}" with commits in "${input.repository}"`);
  const parent = commit.parents[0] ?? null;
  const [base, ours, theirs] = await Promise.all([objectsAt(reader, commit.id), objectsAt(reader, head), parent ? objectsAt(reader, parent) : []]);
  const merged = mergeTrees(base, ours, theirs);
  const database = databaseConfig(context.upstreamUrl, target.database);
  const identities = parent && merged.conflicts.length === 0
    ? await identitiesBetween(context.store.pool, { commit: head, objects: ours }, { commit: parent, objects: merged.target })
    : {};
  const plan = merged.conflicts.length > 0 ? [] : await withSizes(diff(ours, merged.target, identities), [{ label: target.database, objects: ours, live: database }]);
  const result: RevertResult = {
    repository: input.repository,
    branch: target.branch,
    reverted: commit.id,
    head,
    statements: plan,
    summary: summarize(plan),
    conflicts: await describeConflicts(reader, commit.id, head, merged.conflicts),
    applied: false,
    commit: null,
  };
  if (merged.conflicts.length > 0 || input.dryRun || plan.length === 0) return { result };
  const destructive = destructiveSteps(plan);
  if (destructive.length > 0 && !input.force) {
    throw new BranchError('DESTRUCTIVE', `reverting ${shortId(commit.id)} deletes data; nothing was changed. Run again with --force to:\n${destructive.map((line) => `  - ${line}`).join('\n')}`);
  }
  const applied = await applyAndRecordLocked(
    context,
    {
      repository: input.repository,
      branch: { name: target.branch, database: target.database },
      plan,
      kind: 'revert',
      message: `revert ${shortId(commit.id)}: ${commit.message}`,
      doing: `reverting ${shortId(commit.id)}`,
      plannedFrom: ours,
    },
    locked,
  );
  return { result: { ...result, applied: true, commit: applied.commit }, applied };
}
