// The guard's pure core: from the statements of one Query (or one Parse),
// THE hazard list (plan/hazard-rules.ts), the policy and the sizes of the
// tables at stake, decide per statement: pass, warn or deny, with the words
// the client reads (hazard, table and size, lock, safer form).
import { formatBytes, hazardsOf, type Hazard, type HazardKind } from '../../plan/index.js';
import { bodyOf, type ParsedStatement } from '../../ddl/index.js';
import type { NoticeToSend } from '../../protocol/index.js';
import { modeFor, type GuardPolicy } from './policy.js';

/** pggit's SQLSTATEs (class PG is implementation-defined): a denied statement; a warning (class 01). */
export const GUARD_DENIED_SQLSTATE = 'PGG01';
export const GUARD_WARNING_SQLSTATE = '01PGG';

export interface TableSize {
  readonly rows: number;
  readonly bytes: number;
}

/** A hazard the policy acts on, before sizes are known. */
export interface Candidate {
  readonly statement: number;
  readonly hazard: Hazard & { readonly relation: string };
  readonly action: 'warn' | 'deny';
}

export interface Verdict {
  /** Index of the statement in the Query (0 for a Parse). */
  readonly statement: number;
  readonly action: 'warn' | 'deny';
  /** The hazards acted on, with the size of their table. */
  readonly hazards: readonly Hazard[];
  readonly lock: string;
  readonly notice: NoticeToSend;
}

const SAFER: Partial<Record<HazardKind, string>> = {
  DELETES_DATA: 'make sure nothing reads it any more and that it is backed up, then allow it for the transaction',
  TABLE_REWRITE: 'add a new column, backfill it in batches and switch to it (a binary-compatible change, e.g. varchar(n) to text, does not rewrite)',
  ACCESS_EXCLUSIVE_LOCK: "SET lock_timeout = '2s' first and retry, so that it cannot queue every query on the table behind it",
  SHARE_LOCK: 'CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY, outside a transaction block',
  VALIDATES_ROWS: 'ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in its own transaction (for SET NOT NULL: a valid CHECK (col IS NOT NULL) first)',
  INDEX_DROPPED: 'DROP INDEX CONCURRENTLY, once pg_stat_user_indexes shows nothing uses it',
};

/** The hazards of each statement that the policy acts on (relations only: a size decides). */
export function candidatesOf(statements: readonly ParsedStatement[], policy: GuardPolicy, allowed: ReadonlySet<string>): Candidate[] {
  const found: Candidate[] = [];
  statements.forEach((statement, index) => {
    const acted: Candidate[] = [];
    for (const hazard of hazardsOf(statement)) {
      const mode = modeFor(policy, hazard.kind);
      if (mode === 'off' || hazard.relation === undefined || allowed.has(hazard.kind)) continue;
      acted.push({ statement: index, hazard: hazard as Candidate['hazard'], action: mode });
    }
    // VALIDATE CONSTRAINT scans under a lock that lets reads and writes go on: it is the safe form.
    const blocking = lockOf(statement) !== 'SHARE UPDATE EXCLUSIVE';
    found.push(...acted.filter((candidate) => !briefLock(candidate, acted, statement) && (blocking || candidate.hazard.kind !== 'VALIDATES_ROWS')));
  });
  return found;
}

/**
 * An ACCESS EXCLUSIVE lock held only for a catalog change (ADD COLUMN with a
 * constant default, a NOT VALID constraint, RENAME, DROP INDEX) lasts
 * milliseconds: the guard names it only with a hazard that makes it last
 * (a rewrite, a scan, a drop) or when LOCK TABLE holds it to the end of the
 * transaction. Waiting for it behind a long query is --ddl-lock-timeout's job.
 */
function briefLock(candidate: Candidate, acted: readonly Candidate[], statement: ParsedStatement): boolean {
  if (candidate.hazard.kind !== 'ACCESS_EXCLUSIVE_LOCK' || statement.nodeType === 'LockStmt') return false;
  return !acted.some((other) => other.hazard.kind !== 'ACCESS_EXCLUSIVE_LOCK' && other.hazard.relation === candidate.hazard.relation);
}

/** The relations whose size the candidates need. */
export function relationsOf(candidates: readonly Candidate[]): string[] {
  return [...new Set(candidates.map((candidate) => candidate.hazard.relation))];
}

/**
 * Per statement, what the guard does. A relation without a size is not a
 * live table of this database (created in the same transaction, or not a
 * table): nobody can be waiting on it, so it passes, like a small one.
 */
export function verdictsOf(
  statements: readonly ParsedStatement[],
  candidates: readonly Candidate[],
  sizeOf: (relation: string) => TableSize | undefined,
  minRows: number,
): Verdict[] {
  const byStatement = new Map<number, { action: 'warn' | 'deny'; hazards: Hazard[] }>();
  for (const candidate of candidates) {
    const size = sizeOf(candidate.hazard.relation);
    if (size === undefined || size.rows < minRows) continue;
    const entry = byStatement.get(candidate.statement) ?? { action: 'warn' as const, hazards: [] };
    if (candidate.action === 'deny') entry.action = 'deny';
    entry.hazards.push({ ...candidate.hazard, rows: Math.round(size.rows), bytes: size.bytes });
    byStatement.set(candidate.statement, entry);
  }
  return [...byStatement.entries()].map(([index, entry]) => {
    const statement = statements[index]!;
    const lock = lockOf(statement);
    return { statement: index, action: entry.action, hazards: entry.hazards, lock, notice: noticeOf(statement.text, entry.action, entry.hazards, lock) };
  });
}

/** The table lock the statement takes, as PostgreSQL's documentation names it. */
export function lockOf(statement: ParsedStatement): string {
  const kinds = new Set(hazardsOf(statement).map((hazard) => hazard.kind));
  if (kinds.has('ACCESS_EXCLUSIVE_LOCK')) return 'ACCESS EXCLUSIVE';
  if (kinds.has('SHARE_LOCK')) return 'SHARE';
  // ALTER TABLE's weaker locks: VALIDATE CONSTRAINT, and ADD FOREIGN KEY (on both tables).
  if (statement.nodeType === 'AlterTableStmt') return validates(statement) ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE ROW EXCLUSIVE';
  return 'none that blocks reads or writes';
}

function validates(statement: ParsedStatement): boolean {
  const cmds = bodyOf(statement.node, 'AlterTableStmt')?.cmds ?? [];
  return cmds.some((cmd) => bodyOf(cmd, 'AlterTableCmd')?.subtype === 'AT_ValidateConstraint');
}

function noticeOf(text: string, action: 'warn' | 'deny', hazards: readonly Hazard[], lock: string): NoticeToSend {
  const kinds = [...new Set(hazards.map((hazard) => hazard.kind))];
  const tables = [...new Map(hazards.map((hazard) => [hazard.relation, `${hazard.relation} (${sizeText(hazard)})`])).values()];
  const verb = action === 'deny' ? 'denied' : 'warning';
  const message = `pggit guard ${verb}: ${kinds.join(', ')} on ${tables.join(', ')}, lock ${lock}: ${shorten(text)}`;
  const detail = [...hazards.map((hazard) => `${hazard.kind}: ${hazard.detail}.`), `Lock taken: ${lock}.`].join('\n');
  const safer = kinds.map((kind) => SAFER[kind]).filter((line): line is string => line !== undefined);
  const allow = `or SET LOCAL pggit.allow = '${kinds.join(',')}' in the transaction to go ahead`;
  const hint = `Safer: ${[...safer, allow].join('; ')}.`;
  return { sqlstate: action === 'deny' ? GUARD_DENIED_SQLSTATE : GUARD_WARNING_SQLSTATE, message, detail, hint };
}

function sizeText(hazard: Hazard): string {
  const rows = hazard.rows ?? 0;
  // The size could not be read (the lookup failed or timed out): counted as big.
  if (!Number.isFinite(rows)) return 'size unknown';
  return `${rows.toLocaleString('en-US')} rows, ${formatBytes(hazard.bytes ?? 0)}`;
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
