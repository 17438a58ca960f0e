// Errors that mean "the other side is not there right now" (store down,
// database restarting), as opposed to a bug or a bad statement.
import { StoreError } from '../store/index.js';

/** Errors that mean "the store is not there right now", as opposed to a bug. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  // The store database is missing and we may not create it: wait for someone to.
  if (error instanceof StoreError) return code === 'STORE_DATABASE_MISSING';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P03' ||
    /Connection terminated|connection timeout|not queryable/i.test((error as Error)?.message ?? '')
  );
}
