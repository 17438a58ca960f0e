// The JSON shape of a commit in the history commands' answers (CLI --json and
// the HTTP API): stable field names, times as ISO 8601 strings in UTC.
import type { CommitKind, CommitRow } from '../../store/index.js';

export interface CommitSummary {
  /** Full commit id (64 hex digits). */
  readonly id: string;
  /** The first 12 hex digits. */
  readonly shortId: string;
  /** First parent first; empty for a root (baseline) commit. */
  readonly parents: readonly string[];
  readonly kind: CommitKind;
  /** The branch it was recorded on. */
  readonly branch: string;
  /** The role that ran the statements; null for detected commits. */
  readonly author: string | null;
  readonly database: string | null;
  /** application_name of the session; null when unknown. */
  readonly application: string | null;
  readonly clientAddress: string | null;
  readonly backendPid: number | null;
  readonly message: string;
  readonly committedAt: string;
  readonly recordedAt: string;
  readonly statementCount: number;
}

export const SHORT_ID_LENGTH = 12;

export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

export function summarizeCommit(commit: CommitRow): CommitSummary {
  return {
    id: commit.id,
    shortId: shortId(commit.id),
    parents: [...commit.parents],
    kind: commit.kind,
    branch: commit.branch,
    author: commit.author,
    database: commit.database,
    application: commit.applicationName,
    clientAddress: commit.clientAddress,
    backendPid: commit.backendPid,
    message: commit.message,
    committedAt: commit.committedAt.toISOString(),
    recordedAt: commit.recordedAt.toISOString(),
    statementCount: commit.statements.length,
  };
}
