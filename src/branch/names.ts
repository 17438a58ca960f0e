// Branch names and where a branch lives. The scheme, decided once:
//
//   branch "main" of repository R   -> database R itself (the original);
//   branch B of repository R         -> database "R@B" when that fits in
//                                      PostgreSQL's 63 bytes, else the
//                                      first bytes of "R@B" + "~" + 10 hex
//                                      digits of sha256("R@B").
//
// The name actually used is stored in pggit.branches.database, so the
// router never recomputes it: a later change of scheme moves no branch.
import { createHash } from 'node:crypto';

export const MAIN_BRANCH = 'main';
/** PostgreSQL's NAMEDATALEN - 1. */
export const MAX_IDENTIFIER_BYTES = 63;

const BRANCH_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

/** Why name is not a valid branch name, or undefined when it is. */
export function invalidBranchName(name: string): string | undefined {
  if (name === '') return 'a branch name cannot be empty';
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) return `branch name "${name}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`;
  if (!BRANCH_NAME.test(name)) {
    return `branch name "${name}" may use only letters, digits, "_", "-", "." and "/", and must start with a letter, digit or "_"`;
  }
  return undefined;
}

/** The physical database of branch `branch` of repository `repository`. */
export function branchDatabaseName(repository: string, branch: string): string {
  if (branch === MAIN_BRANCH) return repository;
  const full = `${repository}@${branch}`;
  if (Buffer.byteLength(full) <= MAX_IDENTIFIER_BYTES) return full;
  const suffix = `~${createHash('sha256').update(full).digest('hex').slice(0, 10)}`;
  return `${truncateUtf8(full, MAX_IDENTIFIER_BYTES - suffix.length)}${suffix}`;
}

/** The longest prefix of text that is at most maxBytes of UTF-8, never cutting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
