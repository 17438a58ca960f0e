// How the JSON API answers failures of the functions it calls: each error
// keeps its stable code and becomes the HTTP status that fits it.
import { BranchError, httpStatusOf } from '../branch/index.js';
import { StoreError } from '../store/index.js';
import { HttpError, type HttpResponse } from './router.js';

/** Runs a handler; branch, store and "no history yet" errors become HttpErrors. */
export async function answer(fn: () => Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    return await fn();
  } catch (error) {
    throw asHttpError(error);
  }
}

export function asHttpError(error: unknown): unknown {
  if (error instanceof HttpError) return error;
  if (error instanceof BranchError) return new HttpError(httpStatusOf(error.code), error.message, error.code, error.sqlstate);
  if (error instanceof StoreError) return new HttpError(storeStatus(error.code), error.message, error.code);
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code !== '') {
    // PostgreSQL: the store's database (3D000) or its tables (42P01) do not exist yet.
    if (error.code === '3D000' || error.code === '42P01') {
      return new HttpError(503, 'no history recorded yet: the metadata store does not exist (has this proxy seen a database?)', 'NO_HISTORY');
    }
    if (error.code === 'ECONNREFUSED' || error.code.startsWith('08') || error.code === '57P03') {
      return new HttpError(503, `the metadata store is not reachable: ${error.message}`, 'STORE_UNAVAILABLE');
    }
  }
  return error;
}

function storeStatus(code: StoreError['code']): number {
  switch (code) {
    case 'AMBIGUOUS_REF':
      return 400;
    case 'UNKNOWN_REF':
    case 'UNKNOWN_BRANCH':
    case 'UNKNOWN_REPOSITORY':
    case 'NO_MERGE':
    case 'UNKNOWN_CONFLICT':
      return 404;
    case 'HEAD_MOVED':
    case 'MERGE_IN_PROGRESS':
      return 409;
    case 'STORE_DATABASE_MISSING':
    case 'STORE_TOO_NEW':
    case 'MIGRATION_FAILED':
      return 503;
  }
}

/** A query parameter that must be there. */
export function required(value: string | null | undefined, name: string): string {
  if (value === null || value === undefined || value === '') throw new HttpError(400, `"${name}" is required`);
  return value;
}

/** A query parameter that may be left out or empty. */
export function optional(value: string | null): string | undefined {
  return value === null || value === '' ? undefined : value;
}
