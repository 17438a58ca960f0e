// branch: the router (which physical database a StartupMessage's database
// and options mean; pure) and the lifecycle of branches: create, list and
// delete, the same functions for the CLI and the HTTP API.
export { MAIN_BRANCH, MAX_IDENTIFIER_BYTES, branchDatabaseName, invalidBranchName } from './names.js';
export { BRANCH_OPTION, branchRequest, extractBranchOption, needsRewrite, upstreamParameters, type BranchRequest, type RouteResult } from './router.js';
export { StoreBranchDirectory, type BranchDirectory, type BranchLocation } from './directory.js';
export { BranchError, httpStatusOf, type BranchErrorCode } from './branch-error.js';
export type { BranchContext } from './admin.js';
export { createBranch, type CreateBranchInput, type CreatedBranch } from './create.js';
export { listBranches, type BranchSummary, type ListOptions } from './list.js';
export { deleteBranch, type DeleteBranchInput, type DeletedBranch } from './delete.js';
export type { CopyProgress, CopyTotals, TableProgress } from './copy-progress.js';
export { describeSession, type SourceSession } from './source-sessions.js';
export { MAX_JOBS } from './copy-jobs.js';
export { diffSchemas, summarize, withSizes, type DiffInput, type DiffResult, type DiffSummary } from './diff.js';
export { isDatabaseUrl, objectsAt, readLive, readSide, relationSizes, type SchemaSide } from './schema-source.js';
export { revertCommit, destructiveSteps, type RevertInput, type RevertResult } from './revert.js';
export type { RevertConflict } from './revert-conflicts.js';
export { applyPlan } from './apply-plan.js';
export { mergeBranches, continueMerge, type MergeInput, type MergeOutcome, type MergeConflictView } from './merge.js';
export { mergeStatus, mergesInProgress, resolveMergeConflict, abortMerge, type MergeSessionInput, type MergeInProgress } from './merge-session.js';
export { applyAndRecord, type ApplyInput, type Applied } from './apply-record.js';
export { pruneBranches, type PruneInput, type PruneResult, type PrunedBranch, type SkippedBranch } from './prune.js';
export { createBranchWithinLimit, TOO_MANY_BRANCHES_SQLSTATE } from './limits.js';
export { LastSessionClock, LAST_SESSION_INTERVAL_MS } from './last-session.js';
export { SizeWatch, type BranchSize, type SizeSink, type SizeWatchOptions } from './size-watch.js';
export { parseSize } from './size-units.js';
