export type StoreErrorCode =
  | 'STORE_TOO_NEW'
  | 'MIGRATION_FAILED'
  | 'STORE_DATABASE_MISSING'
  | 'UNKNOWN_REF'
  | 'AMBIGUOUS_REF'
  | 'UNKNOWN_BRANCH'
  | 'UNKNOWN_REPOSITORY'
  | 'HEAD_MOVED'
  | 'MERGE_IN_PROGRESS'
  | 'NO_MERGE'
  | 'UNKNOWN_CONFLICT';

/** A metadata-store failure with a stable code. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
