// Branch operations fail with a stable code; the CLI prints the message, the
// HTTP API maps the code to a status (see httpStatusOf).
export type BranchErrorCode =
  | 'INVALID_NAME'
  | 'BRANCH_EXISTS'
  | 'BRANCH_BUSY'
  | 'UNKNOWN_BRANCH'
  | 'UNKNOWN_REPOSITORY'
  | 'PROTECTED_BRANCH'
  | 'BRANCH_IN_USE'
  | 'DATA_NEEDS_HEAD'
  | 'DATABASE_EXISTS'
  | 'BUILD_FAILED'
  | 'COPY_FAILED'
  | 'PERMISSION_DENIED'
  | 'SOURCE_IN_USE'
  | 'CLONE_UNAVAILABLE'
  | 'REVERT_CONFLICT'
  | 'BRANCH_DRIFT'
  | 'DESTRUCTIVE'
  | 'APPLY_FAILED'
  | 'MERGE_BUSY'
  | 'MERGE_IN_PROGRESS'
  | 'MERGE_CONFLICT'
  | 'NO_MERGE'
  | 'UNKNOWN_CONFLICT'
  | 'HEAD_MOVED'
  | 'INVALID_ARGUMENT'
  | 'TOO_MANY_BRANCHES';

export class BranchError extends Error {
  constructor(
    readonly code: BranchErrorCode,
    message: string,
    /** The SQLSTATE PostgreSQL uses for the same failure, where it has one. */
    readonly sqlstate?: string,
  ) {
    super(message);
    this.name = 'BranchError';
  }
}

export function httpStatusOf(code: BranchErrorCode): number {
  switch (code) {
    case 'INVALID_NAME':
    case 'DATA_NEEDS_HEAD':
    case 'INVALID_ARGUMENT':
    case 'CLONE_UNAVAILABLE':
      return 400;
    case 'PERMISSION_DENIED':
      return 403;
    case 'UNKNOWN_BRANCH':
    case 'UNKNOWN_REPOSITORY':
    case 'NO_MERGE':
    case 'UNKNOWN_CONFLICT':
      return 404;
    case 'BRANCH_EXISTS':
    case 'BRANCH_BUSY':
    case 'BRANCH_IN_USE':
    case 'SOURCE_IN_USE':
    case 'DATABASE_EXISTS':
    case 'PROTECTED_BRANCH':
    case 'REVERT_CONFLICT':
    case 'BRANCH_DRIFT':
    case 'DESTRUCTIVE':
    case 'MERGE_BUSY':
    case 'MERGE_IN_PROGRESS':
    case 'MERGE_CONFLICT':
    case 'HEAD_MOVED':
    case 'TOO_MANY_BRANCHES':
      return 409;
    case 'BUILD_FAILED':
    case 'COPY_FAILED':
    case 'APPLY_FAILED':
      return 500;
  }
}
