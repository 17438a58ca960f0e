export type StoreErrorCode =
  | 'STORE_TOO_NEW'
  | 'MIGRATION_FAILED'
  | 'STORE_DATABASE_MISSING'
  | 'UNKNOWN_REF'
  | 'AMBIGUOUS_REF'
  | 'UNKNOWN_BRANCH'
  | 'UNKNOWN_REPOSITORY';

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
