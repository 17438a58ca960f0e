// The merge in progress for a branch, as `pggit merge --status`,
// `--resolve KEY --ours|--theirs|--sql FILE` and `--abort` (and the HTTP
// API) see it. Every answer recomputes the merge from the stored commits
// and resolutions, so it shows the plan as soon as nothing is unresolved.
import { endMerge, listMerges, readMerge, resolveConflict, type Resolution } from '../store/index.js';
import { asBranchError, readerOf, repositoryIdOf, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { outcomeOf, resolutionsOf, type MergeOutcome } from './merge.js';
import { computeMerge } from './merge-compute.js';
import { MAIN_BRANCH } from './names.js';

export interface MergeSessionInput {
  readonly repository: string;
  /** Default main. */
  readonly target?: string | undefined;
}

async function current(context: BranchContext, input: MergeSessionInput, repositoryId: number): Promise<MergeOutcome> {
  const target = input.target ?? MAIN_BRANCH;
  const stored = await readMerge(context.store.pool, repositoryId, target);
  if (!stored) {
    const others = (await listMerges(context.store.pool, repositoryId)).map((merge) => `${merge.source} into ${merge.target}`);
    throw new BranchError('NO_MERGE', `branch "${target}" has no merge in progress${others.length > 0 ? ` (in progress: ${others.join(', ')}; name the target with --into)` : ''}`);
  }
  const branch = (await readerOf(context).branches(input.repository)).find((row) => row.name === target);
  const computed = await computeMerge(context, readerOf(context), repositoryId, stored, { database: branch?.database ?? input.repository }, resolutionsOf(stored));
  return outcomeOf(input.repository, stored, computed);
}

export async function mergeStatus(context: BranchContext, input: MergeSessionInput): Promise<MergeOutcome> {
  try {
    return await current(context, input, await repositoryIdOf(context, input.repository));
  } catch (error) {
    throw asBranchError(error);
  }
}

export async function resolveMergeConflict(context: BranchContext, input: MergeSessionInput & { key: string; resolution: Resolution }): Promise<MergeOutcome> {
  try {
    const repositoryId = await repositoryIdOf(context, input.repository);
    await resolveConflict(context.store.pool, repositoryId, input.target ?? MAIN_BRANCH, input.key, input.resolution);
    return await current(context, input, repositoryId);
  } catch (error) {
    throw asBranchError(error);
  }
}

export interface MergeInProgress {
  readonly target: string;
  readonly source: string;
  readonly base: string | null;
  readonly ours: string;
  readonly theirs: string;
  readonly conflicts: number;
  readonly unresolved: number;
  readonly startedBy: string | null;
  readonly startedAt: string;
}

/** Every merge in progress of the repository, by target: what the page lists. */
export async function mergesInProgress(context: BranchContext, repository: string): Promise<MergeInProgress[]> {
  try {
    const merges = await listMerges(context.store.pool, await repositoryIdOf(context, repository));
    return merges.map(({ target, source, base, ours, theirs, conflicts, resolutions, startedBy, startedAt }) => ({
      target, source, base, ours, theirs, startedBy, startedAt: startedAt.toISOString(),
      conflicts: conflicts.length, unresolved: conflicts.filter((conflict) => !(conflict.key in resolutions)).length,
    }));
  } catch (error) {
    throw asBranchError(error);
  }
}

/** Forgets the merge in progress; nothing was applied, so nothing else changes. */
export async function abortMerge(context: BranchContext, input: MergeSessionInput): Promise<{ target: string; aborted: boolean }> {
  const target = input.target ?? MAIN_BRANCH;
  const repositoryId = await repositoryIdOf(context, input.repository);
  if (!(await endMerge(context.store.pool, repositoryId, target))) throw new BranchError('NO_MERGE', `branch "${target}" has no merge in progress`);
  return { target, aborted: true };
}
