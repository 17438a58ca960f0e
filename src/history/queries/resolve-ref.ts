// Turns a revision (see ref-grammar.ts) into a commit id of one repository.
// A name that is both a branch and a hex prefix means the branch, as in git.
import { StoreError, type HistoryReader } from '../../store/index.js';
import { isIdPrefix, parseRef, RefSyntaxError, type ParsedRef } from './ref-grammar.js';
import { shortId } from './commit-summary.js';

export interface RefContext {
  readonly repository: string;
  /** The branch HEAD and @{time} mean. */
  readonly branch: string;
}

export interface ResolvedRef {
  readonly ref: string;
  readonly id: string;
}

export async function resolveRef(reader: HistoryReader, context: RefContext, text: string): Promise<ResolvedRef> {
  let ref: ParsedRef;
  try {
    ref = parseRef(text);
  } catch (error) {
    if (error instanceof RefSyntaxError) throw new StoreError('UNKNOWN_REF', error.message);
    throw error;
  }
  let id = await resolveBase(reader, context, ref);
  if (ref.at !== undefined) id = await resolveTime(reader, context, ref, id);
  for (const step of ref.steps) id = await resolveStep(reader, context, ref, id, step.op, step.n);
  return { ref: text, id };
}

async function resolveBase(reader: HistoryReader, context: RefContext, ref: ParsedRef): Promise<string> {
  const branches = await reader.branches(context.repository);
  const branchName = ref.base === 'HEAD' ? context.branch : ref.base;
  const branch = branches.find((candidate) => candidate.name === branchName);
  if (branch) {
    if (branch.head === null) throw new StoreError('UNKNOWN_REF', `branch "${branch.name}" of "${context.repository}" has no commits yet`);
    return branch.head;
  }
  const known = branches.map((candidate) => candidate.name).join(', ') || 'none';
  if (ref.base === 'HEAD') throw new StoreError('UNKNOWN_BRANCH', `no branch "${context.branch}" in "${context.repository}"; branches: ${known}`);
  if (ref.at !== undefined) {
    throw new StoreError('UNKNOWN_REF', `unknown revision "${ref.text}": @{time} needs a branch, and "${ref.base}" is not a branch of "${context.repository}" (branches: ${known})`);
  }
  if (isIdPrefix(ref.base)) {
    const prefix = ref.base.toLowerCase();
    const ids = await reader.idsWithPrefix(context.repository, prefix, 11);
    if (ids.length === 1) return ids[0]!;
    if (ids.length > 1) {
      const listed = ids.slice(0, 10).map(shortId).join(', ');
      throw new StoreError('AMBIGUOUS_REF', `commit id prefix "${ref.base}" is ambiguous in "${context.repository}": ${listed}${ids.length > 10 ? ', ...' : ''}; give more digits`);
    }
  }
  const tried = isIdPrefix(ref.base)
    ? `no branch of that name (branches: ${known}) and no commit id that starts with it`
    : /^[0-9a-f]{1,3}$/i.test(ref.base)
      ? `no branch of that name (branches: ${known}); a commit id prefix needs at least 4 hex digits`
      : `no branch of that name (branches: ${known}) and not a commit id`;
  throw new StoreError('UNKNOWN_REF', `unknown revision "${ref.text}" in "${context.repository}": ${tried}`);
}

async function resolveTime(reader: HistoryReader, context: RefContext, ref: ParsedRef, head: string): Promise<string> {
  const time = await reader.parseTime(ref.at!);
  if (time === undefined) {
    throw new StoreError('UNKNOWN_REF', `revision "${ref.text}": PostgreSQL does not read "${ref.at}" as a time (try '2026-11-24 10:00', '2026-11-24T10:00:00Z', 'yesterday', '2 hours ago')`);
  }
  const id = await reader.firstParentAt(head, time);
  if (id !== undefined) return id;
  const root = await reader.firstParentRoot(head);
  const branch = ref.base === 'HEAD' ? context.branch : ref.base;
  throw new StoreError('UNKNOWN_REF', `revision "${ref.text}": branch "${branch}" has no commit at or before ${time.toISOString()}; its first commit is from ${root.committedAt.toISOString()}`);
}

async function resolveStep(reader: HistoryReader, context: RefContext, ref: ParsedRef, id: string, op: '~' | '^', n: number): Promise<string> {
  if (n === 0) return id;
  if (op === '~') {
    const found = await reader.firstParentAncestor(id, n);
    if (found.depth < n) {
      throw new StoreError('UNKNOWN_REF', `revision "${ref.text}": ${shortId(id)} has only ${found.depth} first-parent ancestor${found.depth === 1 ? '' : 's'}, not ${n}`);
    }
    return found.id;
  }
  const commit = await reader.commit(context.repository, id);
  const parent = commit?.parents[n - 1];
  if (parent === undefined) {
    throw new StoreError('UNKNOWN_REF', `revision "${ref.text}": ${shortId(id)} has ${commit?.parents.length ?? 0} parent${commit?.parents.length === 1 ? '' : 's'}, no parent ${n}`);
  }
  return parent;
}
