// Why an object of a revert is a conflict, in words, and which later commit
// changed it (base = the reverted commit, ours = the branch head, theirs =
// the commit's parent): one entry per object, for the CLI and the API.
import { shortId } from '../history/index.js';
import type { Conflict } from '../plan/index.js';
import type { HistoryReader } from '../store/index.js';

export interface RevertConflict {
  readonly key: string;
  readonly kind: Conflict['kind'];
  /** Why the object cannot simply go back, in one sentence. */
  readonly reason: string;
  /** The newest commit on the branch that changed the object after the reverted one. */
  readonly changedBy: { readonly id: string; readonly message: string } | null;
  readonly base: string | null;
  readonly ours: string | null;
  readonly theirs: string | null;
}

function reason(conflict: Conflict, reverted: string, later: string): string {
  const commit = shortId(reverted);
  switch (conflict.kind) {
    case 'modify/modify':
      return `${commit} changed it and ${later} changed it again: putting back its old definition would undo the later change`;
    case 'modify/delete':
      return `${commit} created it and ${later} changed it since: dropping it would lose the later change`;
    case 'delete/modify':
      return `${commit} changed it and ${later} dropped it: there is nothing left to change back`;
    case 'add/add':
      return `${commit} dropped it and ${later} made it again: bringing the old one back would clash with the new one`;
    default: // kinds only a merge finds (three-way.ts)
      return `${commit} and ${later} both changed it (${conflict.kind})`;
  }
}

export async function describeConflicts(reader: HistoryReader, reverted: string, head: string, conflicts: readonly Conflict[]): Promise<RevertConflict[]> {
  return Promise.all(
    conflicts.map(async (conflict): Promise<RevertConflict> => {
      const [newest] = await reader.ancestors(head, { keys: [conflict.key], limit: 1 });
      const later = newest && newest.id !== reverted ? newest : undefined;
      return {
        key: conflict.key,
        kind: conflict.kind,
        reason: reason(conflict, reverted, later ? `commit ${shortId(later.id)}` : 'a later commit'),
        changedBy: later ? { id: later.id, message: later.message } : null,
        base: conflict.base?.definition ?? null,
        ours: conflict.ours?.definition ?? null,
        theirs: conflict.theirs?.definition ?? null,
      };
    }),
  );
}
