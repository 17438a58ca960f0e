// The cheap first pass over every statement: from its first keyword(s),
// decide whether it can change the schema (and so is worth the real parser),
// is transaction control, or runs code the watcher cannot see (DO, CALL).
// Char-code comparisons only; nothing is allocated.
import { expectWord, mentionsTableCreation, skipToFirstWord, wordEnd, wordIs } from './sql-scan.js';

/**
 * - `ddl-candidate`: may change the schema; the parser decides.
 * - `transaction`: BEGIN, COMMIT, SAVEPOINT, PREPARE TRANSACTION and friends.
 * - `do-or-call`: DO or CALL, which can run DDL the watcher cannot see.
 * - `other`: cannot change the schema (SELECT, INSERT, SET, ...).
 */
export type LeadClass = 'ddl-candidate' | 'transaction' | 'do-or-call' | 'other';

/**
 * The lead class, refined for the zero-downtime guard: of the statements
 * that cannot change the schema (`other`), a maintenance command that can
 * hold a big table (VACUUM FULL, CLUSTER, REINDEX, LOCK, TRUNCATE), and a
 * SET or RESET (maybe of pggit.allow or search_path). One scan serves the
 * watcher and the guard: the extra words are compared only on the letters
 * that reach them, after the watcher's own.
 */
export type StatementClass = LeadClass | 'maintenance' | 'set';

/** Classifies the statement that starts at `from` (default: the text's start). */
export function classifyLead(sql: string, from = 0): LeadClass {
  return leadOf(classifyStatement(sql, from));
}

/** The watcher's class of a refined one: maintenance and SET cannot change the schema. */
export function leadOf(found: StatementClass): LeadClass {
  return found === 'maintenance' || found === 'set' ? 'other' : found;
}

/** classifyLead, refined (see StatementClass). */
export function classifyStatement(sql: string, from = 0): StatementClass {
  const start = skipToFirstWord(sql, from);
  const end = wordEnd(sql, start);
  if (end === start) return 'other';
  // Dispatch on the first letter so that a statement costs a few comparisons.
  switch (sql.charCodeAt(start) & ~0x20) {
    case 65: // A
      if (wordIs(sql, start, end, 'ALTER')) return 'ddl-candidate';
      return wordIs(sql, start, end, 'ABORT') ? 'transaction' : 'other';
    case 66: // B
      return wordIs(sql, start, end, 'BEGIN') ? 'transaction' : 'other';
    case 67: // C
      if (wordIs(sql, start, end, 'CREATE') || wordIs(sql, start, end, 'COMMENT')) return 'ddl-candidate';
      if (wordIs(sql, start, end, 'COMMIT')) return 'transaction';
      if (wordIs(sql, start, end, 'CALL')) return 'do-or-call';
      return wordIs(sql, start, end, 'CLUSTER') ? 'maintenance' : 'other';
    case 68: // D
      if (wordIs(sql, start, end, 'DROP')) return 'ddl-candidate';
      return wordIs(sql, start, end, 'DO') ? 'do-or-call' : 'other';
    case 69: // E
      if (wordIs(sql, start, end, 'END')) return 'transaction';
      // EXPLAIN ANALYZE runs a CREATE TABLE AS / SELECT INTO for real.
      if (wordIs(sql, start, end, 'EXPLAIN')) return creationOrOther(sql, end, true);
      return 'other';
    case 71: // G
      return wordIs(sql, start, end, 'GRANT') ? 'ddl-candidate' : 'other';
    case 73: // I
      return wordIs(sql, start, end, 'IMPORT') ? 'ddl-candidate' : 'other';
    case 76: // L
      return wordIs(sql, start, end, 'LOCK') ? 'maintenance' : 'other';
    case 80: // P
      return wordIs(sql, start, end, 'PREPARE') && expectWord(sql, end, 'TRANSACTION') >= 0 ? 'transaction' : 'other';
    case 82: // R
      if (wordIs(sql, start, end, 'REVOKE') || wordIs(sql, start, end, 'REASSIGN')) return 'ddl-candidate';
      if (wordIs(sql, start, end, 'ROLLBACK') || wordIs(sql, start, end, 'RELEASE')) return 'transaction';
      if (wordIs(sql, start, end, 'REINDEX')) return 'maintenance';
      return wordIs(sql, start, end, 'RESET') ? 'set' : 'other';
    case 83: // S
      if (wordIs(sql, start, end, 'SELECT')) return creationOrOther(sql, end, false);
      if (wordIs(sql, start, end, 'SECURITY')) return 'ddl-candidate';
      if (wordIs(sql, start, end, 'SAVEPOINT') || wordIs(sql, start, end, 'START')) return 'transaction';
      return wordIs(sql, start, end, 'SET') ? 'set' : 'other';
    case 84: // T
      return wordIs(sql, start, end, 'TRUNCATE') ? 'maintenance' : 'other';
    case 86: // V
      return wordIs(sql, start, end, 'VACUUM') ? 'maintenance' : 'other';
    case 87: // W
      // WITH ... SELECT ... INTO t creates a table; WITH ... SELECT does not.
      return wordIs(sql, start, end, 'WITH') ? creationOrOther(sql, end, false) : 'other';
    default:
      return 'other';
  }
}

function creationOrOther(sql: string, from: number, orCreate: boolean): LeadClass {
  return mentionsTableCreation(sql, from, orCreate) ? 'ddl-candidate' : 'other';
}

/** Whether the statement at the start of `sql` can be DDL at all. */
export function mayBeDdl(sql: string): boolean {
  return classifyLead(sql) === 'ddl-candidate';
}
