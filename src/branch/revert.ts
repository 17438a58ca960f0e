// `pggit revert REF` (and POST /api/revert): undoes what commit REF changed
// relative to its first parent on a branch's head, as a three-way merge
// (base = REF, ours = head, theirs = REF's parent). Objects a later commit
// changed again are conflicts and nothing is applied. Otherwise the plan
// runs on the branch's database and a commit of kind `revert` records the
// schema the database then has.
import { resolveRef, shortId } from '../history/index.js';
import { mergeTrees, diff, type Conflict, type PlanStatement } from '../plan/index.js';
import { databaseConfig, StoreError } from '../store/index.js';
import { applyAndRecord } from './apply-record.js';
import { identitiesBetween } from './identities.js';
import { asBranchError, readerOf, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { summarize, withSizes, type DiffSummary } from './diff.js';
import { objectsAt } from './schema-source.js';

export interface RevertInput {
  readonly repository: string;
  readonly ref: string;
  /** Default: the branch the commit was recorded on. */
  readonly branch?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** Apply even when the plan deletes data. */
  readonly force?: boolean | undefined;
}

export interface RevertConflict {
  readonly key: string;
  readonly kind: Conflict['kind'];
  readonly base: string | null;
  readonly ours: string | null;
  readonly theirs: string | null;
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
    const parent = commit.parents[0] ?? null;
    const [base, ours, theirs] = await Promise.all([objectsAt(reader, commit.id), objectsAt(reader, branch.head), parent ? objectsAt(reader, parent) : []]);
    const merged = mergeTrees(base, ours, theirs);
    const database = databaseConfig(context.upstreamUrl, branch.database);
    const identities = parent && merged.conflicts.length === 0
      ? await identitiesBetween(context.store.pool, { commit: branch.head, objects: ours }, { commit: parent, objects: merged.target })
      : {};
    const plan = merged.conflicts.length > 0 ? [] : await withSizes(diff(ours, merged.target, identities), [{ label: branch.database, objects: ours, live: database }]);
    const result: RevertResult = {
      repository: input.repository,
      branch: branch.name,
      reverted: commit.id,
      head: branch.head,
      statements: plan,
      summary: summarize(plan),
      conflicts: merged.conflicts.map((c) => ({ key: c.key, kind: c.kind, base: c.base?.definition ?? null, ours: c.ours?.definition ?? null, theirs: c.theirs?.definition ?? null })),
      applied: false,
      commit: null,
    };
    if (merged.conflicts.length > 0 || input.dryRun || plan.length === 0) return result;
    const destructive = destructiveSteps(plan);
    if (destructive.length > 0 && !input.force) {
      throw new BranchError('DESTRUCTIVE', `reverting ${shortId(commit.id)} deletes data; nothing was changed. Run again with --force to:\n${destructive.map((line) => `  - ${line}`).join('\n')}`);
    }
    const applied = await applyAndRecord(context, {
      repository: input.repository,
      branch,
      plan,
      kind: 'revert',
      message: `revert ${shortId(commit.id)}: ${commit.message}`,
      doing: `reverting ${shortId(commit.id)}`,
    });
    return { ...result, applied: true, commit: applied.commit };
  } catch (error) {
    throw asBranchError(error);
  }
}
