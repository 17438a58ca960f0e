// The commit columns every history query selects, and their row shape.
import type { CommitKind, CommitRow } from './types.js';

export const COMMIT_COLUMNS = `c.id, r.name AS repository, c.branch, c.parents, c.tree_hash, c.kind, c.author, c.database,
  c.application_name, c.client_address, c.backend_pid, c.message, c.statements, c.committed_at, c.recorded_at, c.seq`;

export function commitRow(row: Record<string, unknown>): CommitRow {
  return {
    id: row['id'] as string,
    repository: row['repository'] as string,
    branch: row['branch'] as string,
    parents: row['parents'] as string[],
    treeHash: row['tree_hash'] as string,
    kind: row['kind'] as CommitKind,
    author: row['author'] as string | null,
    database: row['database'] as string | null,
    applicationName: row['application_name'] as string | null,
    clientAddress: row['client_address'] as string | null,
    backendPid: row['backend_pid'] as number | null,
    message: row['message'] as string,
    statements: row['statements'] as string[],
    committedAt: row['committed_at'] as Date,
    recordedAt: row['recorded_at'] as Date,
    seq: Number(row['seq']),
  };
}
