// `pggit merge SOURCE [--into TARGET]` and `--continue` (and the HTTP API):
// base = the nearest common ancestor of the two heads, ours = TARGET's
// head, theirs = SOURCE's head. A clean merge's plan runs on TARGET's
// database and a commit of kind `merge` with both heads as parents is
// recorded; conflicts stop it, stored for TARGET as the merge in progress
// (merge-session.ts resolves, shows and aborts it).
import { shortId } from '../history/index.js';
import type { MergeResolution, PlanStatement } from '../plan/index.js';
import { endMerge, mergeBase, readMerge, startMerge, type BranchRow, type StoredMerge } from '../store/index.js';
import { asBranchError, readerOf, repositoryIdOf, type BranchContext } from './admin.js';
import { applyAndRecord } from './apply-record.js';
import { BranchError } from './branch-error.js';
import { summarize, type DiffSummary } from './diff.js';
import { computeMerge, type Computed, type MergeCommits } from './merge-compute.js';
import { aliasMerged } from './merge-identities.js';
import { MAIN_BRANCH } from './names.js';
import { destructiveSteps } from './revert.js';

export interface MergeInput {
  readonly repository: string;
  readonly source: string;
  /** Default main. */
  readonly target?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly force?: boolean | undefined;
  /** Who started it (kept with a merge in progress). */
  readonly startedBy?: string | undefined;
}

export interface MergeConflictView {
  readonly key: string;
  readonly kind: string;
  readonly detail: string;
  readonly base: string | null;
  readonly ours: string | null;
  readonly theirs: string | null;
  readonly resolution: MergeResolution | null;
}

export interface MergeOutcome {
  readonly repository: string;
  readonly source: string;
  readonly target: string;
  readonly base: string | null;
  /** More than one: criss-cross history; base is the most recent of them. */
  readonly bases: readonly string[];
  readonly ours: string;
  readonly theirs: string;
  readonly fastForward: boolean;
  readonly upToDate: boolean;
  readonly plan: PlanStatement[];
  readonly summary: DiffSummary;
  readonly conflicts: MergeConflictView[];
  /** Stopped on conflicts: kept in the store for TARGET. */
  readonly inProgress: boolean;
  readonly applied: boolean;
  readonly commit: string | null;
}

async function liveBranch(context: BranchContext, repository: string, name: string): Promise<BranchRow & { head: string }> {
  const branch = (await readerOf(context).branches(repository)).find((row) => row.name === name);
  if (!branch) throw new BranchError('UNKNOWN_BRANCH', `no branch "${name}" in "${repository}"`);
  if (!branch.head) throw new BranchError('UNKNOWN_BRANCH', `branch "${name}" of "${repository}" has no commits yet`);
  return branch as BranchRow & { head: string };
}

/** One merge at a time per target, across processes: a session advisory lock on a store connection. */
async function withMergeLock<T>(context: BranchContext, repositoryId: number, target: string, fn: () => Promise<T>): Promise<T> {
  const client = await context.store.pool.connect();
  const name = `pggit merge ${repositoryId} ${target}`;
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
    if (!rows[0]?.ok) throw new BranchError('MERGE_BUSY', `a merge into "${target}" is running in another process right now`);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    client.release();
  }
}

export function conflictViews(computed: Computed): MergeConflictView[] {
  return computed.merged.conflicts.map((c) => ({ key: c.key, kind: c.kind, detail: c.detail, base: c.base?.definition ?? null, ours: c.ours?.definition ?? null, theirs: c.theirs?.definition ?? null, resolution: c.resolution }));
}

export async function mergeBranches(context: BranchContext, input: MergeInput): Promise<MergeOutcome> {
  try {
    const targetName = input.target ?? MAIN_BRANCH;
    if (targetName === input.source) throw new BranchError('INVALID_NAME', `cannot merge branch "${input.source}" into itself`);
    const repositoryId = await repositoryIdOf(context, input.repository);
    const [source, target] = await Promise.all([liveBranch(context, input.repository, input.source), liveBranch(context, input.repository, targetName)]);
    const pending = await readMerge(context.store.pool, repositoryId, targetName);
    if (pending && !input.dryRun) {
      throw new BranchError('MERGE_IN_PROGRESS', `branch "${targetName}" has a merge of "${pending.source}" in progress (pggit merge --status; --continue or --abort it first)`);
    }
    const { base, candidates } = await mergeBase(context.store.pool, target.head, source.head);
    const commits: MergeCommits = { base, ours: target.head, theirs: source.head };
    const outcome = { repository: input.repository, source: source.name, target: target.name, base, bases: candidates, ours: target.head, theirs: source.head, fastForward: base === target.head && base !== source.head };
    if (base === source.head) {
      return { ...outcome, upToDate: true, plan: [], summary: summarize([]), conflicts: [], inProgress: false, applied: false, commit: null };
    }
    return await withMergeLock(context, repositoryId, target.name, async () => {
      const computed = await computeMerge(context, readerOf(context), repositoryId, commits, target);
      const result: MergeOutcome = { ...outcome, upToDate: false, plan: computed.plan, summary: summarize(computed.plan), conflicts: conflictViews(computed), inProgress: false, applied: false, commit: null };
      if (input.dryRun) return result;
      if (computed.unresolved > 0) {
        await startMerge(context.store.pool, repositoryId, {
          target: target.name, source: source.name, ...commits, startedBy: input.startedBy ?? null,
          conflicts: result.conflicts.map(({ key, kind, base: b, ours, theirs }) => ({ key, kind, base: b, ours, theirs })),
        });
        return { ...result, inProgress: true };
      }
      return { ...result, ...(await finish(context, input.repository, repositoryId, target, source.name, commits, computed, input.force)) };
    });
  } catch (error) {
    throw asBranchError(error);
  }
}

/** `--continue`: the merge in progress for TARGET, with its resolutions, planned and applied. */
export async function continueMerge(context: BranchContext, input: { repository: string; target?: string | undefined; force?: boolean | undefined; dryRun?: boolean | undefined }): Promise<MergeOutcome> {
  try {
    const targetName = input.target ?? MAIN_BRANCH;
    const repositoryId = await repositoryIdOf(context, input.repository);
    return await withMergeLock(context, repositoryId, targetName, async () => {
      const stored = await readMerge(context.store.pool, repositoryId, targetName);
      if (!stored) throw new BranchError('NO_MERGE', `branch "${targetName}" has no merge in progress`);
      const target = await liveBranch(context, input.repository, targetName);
      if (target.head !== stored.ours) {
        throw new BranchError('HEAD_MOVED', `branch "${targetName}" moved since the merge started (${shortId(stored.ours)} -> ${shortId(target.head)}); run pggit merge --abort and merge again`);
      }
      const computed = await computeMerge(context, readerOf(context), repositoryId, stored, target, resolutionsOf(stored));
      const result = outcomeOf(input.repository, stored, computed);
      if (computed.unresolved > 0) {
        const open = result.conflicts.filter((c) => c.resolution === null).map((c) => `  ${c.kind.padEnd(18)} ${c.key}`);
        throw new BranchError('MERGE_CONFLICT', `${open.length} conflict${open.length === 1 ? '' : 's'} still unresolved (pggit merge --resolve KEY --ours|--theirs|--sql FILE):\n${open.join('\n')}`);
      }
      if (input.dryRun) return result;
      const done = await finish(context, input.repository, repositoryId, target, stored.source, stored, computed, input.force);
      await endMerge(context.store.pool, repositoryId, targetName);
      return { ...result, ...done, inProgress: false };
    });
  } catch (error) {
    throw asBranchError(error);
  }
}

export function resolutionsOf(stored: StoredMerge): Map<string, MergeResolution> {
  return new Map(Object.entries(stored.resolutions));
}

export function outcomeOf(repository: string, stored: StoredMerge, computed: Computed): MergeOutcome {
  return {
    repository, source: stored.source, target: stored.target, base: stored.base, bases: stored.base ? [stored.base] : [], ours: stored.ours, theirs: stored.theirs,
    fastForward: stored.base === stored.ours, upToDate: false, plan: computed.plan, summary: summarize(computed.plan), conflicts: conflictViews(computed),
    inProgress: true, applied: false, commit: null,
  };
}

async function finish(context: BranchContext, repository: string, repositoryId: number, target: BranchRow & { head: string }, source: string, commits: MergeCommits, computed: Computed, force: boolean | undefined): Promise<{ applied: boolean; commit: string | null }> {
  const destructive = destructiveSteps(computed.plan);
  if (destructive.length > 0 && !force) {
    throw new BranchError('DESTRUCTIVE', `merging "${source}" into "${target.name}" deletes data; nothing was changed. Run again with --force to:\n${destructive.map((line) => `  - ${line}`).join('\n')}`);
  }
  const fastForward = commits.base === commits.ours;
  const applied = await applyAndRecord(context, {
    repository,
    branch: target,
    plan: computed.plan,
    kind: 'merge',
    message: `merge branch '${source}' into ${target.name}${fastForward ? ' (fast-forward: the target had no commits of its own)' : ''}`,
    doing: `merging "${source}"`,
    // A detected commit of these very changes may land between apply and record: the merge then sits on top of it.
    secondParent: commits.theirs,
  });
  await aliasMerged(context.store.pool, repositoryId, applied.identities, computed.merged.targetIdentities);
  return { applied: true, commit: applied.commit };
}
