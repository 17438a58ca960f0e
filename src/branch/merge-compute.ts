// The pure merge of three recorded commits, with what it needs from the
// store: the trees, identities with their classes, and the plan that turns
// the target's head into the merged schema (sizes read from its database).
import { diff, mergeSchemas, type MergeResolution, type PlanStatement, type ThreeWayResult } from '../plan/index.js';
import { databaseConfig, type HistoryReader } from '../store/index.js';
import type { BranchContext } from './admin.js';
import { withSizes } from './diff.js';
import { canonicalizer, sideIdentities } from './merge-identities.js';
import { objectsAt } from './schema-source.js';

export interface MergeCommits {
  readonly base: string | null;
  readonly ours: string;
  readonly theirs: string;
}

export interface Computed {
  readonly merged: ThreeWayResult;
  /** Empty while a conflict is unresolved. */
  readonly plan: PlanStatement[];
  readonly unresolved: number;
}

export async function computeMerge(
  context: BranchContext,
  reader: HistoryReader,
  repositoryId: number,
  commits: MergeCommits,
  target: { readonly database: string },
  resolutions: ReadonlyMap<string, MergeResolution> = new Map(),
): Promise<Computed> {
  const [base, ours, theirs] = await Promise.all([commits.base ? objectsAt(reader, commits.base) : [], objectsAt(reader, commits.ours), objectsAt(reader, commits.theirs)]);
  const canonical = await canonicalizer(context.store.pool, repositoryId);
  const pool = context.store.pool;
  const [baseIds, oursIds, theirsIds] = await Promise.all([
    commits.base ? sideIdentities(pool, commits.base, base, canonical) : { objects: new Map<string, string>() },
    sideIdentities(pool, commits.ours, ours, canonical),
    sideIdentities(pool, commits.theirs, theirs, canonical),
  ]);
  const merged = mergeSchemas({ base, ours, theirs, identities: { base: baseIds, ours: oursIds, theirs: theirsIds }, resolutions });
  const unresolved = merged.conflicts.filter((conflict) => conflict.resolution === null).length;
  const plan = unresolved > 0
    ? []
    : await withSizes(diff(ours, merged.target, merged.identities), [{ label: target.database, objects: ours, live: databaseConfig(context.upstreamUrl, target.database) }]);
  return { merged, plan, unresolved };
}
