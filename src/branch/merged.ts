// Where a branch came from and whether its work is back there: the parent
// is the branch its start commit was recorded on (main when that branch is
// gone), and a branch is merged when its head is contained in the parent's
// history (an ancestor of the parent's head, or the same commit), as
// `git branch --merged` has it: a branch with no commits of its own counts.
import type pg from 'pg';
import { isAncestor } from '../store/index.js';
import { MAIN_BRANCH } from './names.js';

export interface BranchLineage {
  readonly parent: string | null;
  /** null for main, and when either head is unknown. */
  readonly merged: boolean | null;
}

interface Heads {
  readonly name: string;
  readonly head: string | null;
  /** The branch the start commit was recorded on (null: main, or the commit is gone). */
  readonly startedOn: string | null;
}

export async function lineageOf(pool: pg.Pool, branches: readonly Heads[]): Promise<Map<string, BranchLineage>> {
  const byName = new Map(branches.map((branch) => [branch.name, branch]));
  const entries = await Promise.all(
    branches.map(async (branch): Promise<[string, BranchLineage]> => {
      if (branch.name === MAIN_BRANCH) return [branch.name, { parent: null, merged: null }];
      const named = branch.startedOn !== null && branch.startedOn !== branch.name ? byName.get(branch.startedOn) : undefined;
      const parent = named ?? byName.get(MAIN_BRANCH);
      if (!parent) return [branch.name, { parent: null, merged: null }];
      const merged = branch.head !== null && parent.head !== null ? await isAncestor(pool, branch.head, parent.head) : null;
      return [branch.name, { parent: parent.name, merged }];
    }),
  );
  return new Map(entries);
}
