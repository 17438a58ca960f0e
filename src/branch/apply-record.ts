// The write path of revert and merge: run a plan on a branch's database
// (apply-plan.ts), read the catalog it leaves, record it as one commit of
// the branch (a merge with its second parent), and store the identities of
// what the commit changed so later diffs and merges still see renames.
//
// All of it holds the branch's lock in the store (withBranchLock; the
// caller's, when it planned under it too): a commit the recorder or another
// proxy writes meanwhile waits and lands on top. Given the head the plan was
// made from, a database that has changes the history has not recorded yet is
// refused before anything runs.
import type pg from 'pg';
import { encodeObject, readCatalog, readIdentities, sameObject, shortId, type SchemaObject } from '../history/index.js';
import type { PlanStatement } from '../plan/index.js';
import { databaseConfig, writeIdentities, type CommitKind, type LockedBranch, type StoredIdentity } from '../store/index.js';
import { applyPlan } from './apply-plan.js';
import { withDatabase, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';

export interface ApplyInput {
  readonly repository: string;
  readonly branch: { readonly name: string; readonly database: string };
  readonly plan: readonly PlanStatement[];
  readonly kind: CommitKind;
  readonly message: string;
  /** What failed, for the error: `reverting 1a2b3c4d5e6f`. */
  readonly doing: string;
  readonly secondParent?: string | undefined;
  /** The recorded schema the plan starts from: the live database must equal it. */
  readonly plannedFrom?: readonly SchemaObject[] | undefined;
}

export interface Applied {
  readonly commit: string | null;
  /** The identity of every object of the database after the plan ran. */
  readonly identities: Map<string, StoredIdentity>;
  /** A statement after the transaction failed: the transaction was applied and recorded all the same. */
  readonly failedAfter?: Error;
}

/** Takes the branch's lock for the apply and the record; throws when a statement after the transaction failed. */
export async function applyAndRecord(context: BranchContext, input: ApplyInput): Promise<Applied> {
  const applied = await context.store.withBranchLock(input.repository, input.branch.name, (_head, locked) => applyAndRecordLocked(context, input, locked));
  if (applied.failedAfter) throw afterFailure(input, applied);
  return applied;
}

/** The error for a plan whose transaction was recorded but a statement after it failed. */
export function afterFailure(input: Pick<ApplyInput, 'doing'>, applied: Applied): BranchError {
  return new BranchError(
    'APPLY_FAILED',
    `${input.doing}: the transaction was applied and recorded as commit ${applied.commit ? shortId(applied.commit) : '(none)'}, then a statement after it failed: ${applied.failedAfter?.message ?? ''}`,
  );
}

/** Under a lock the caller holds (it planned under it). */
export async function applyAndRecordLocked(context: BranchContext, input: ApplyInput, locked: LockedBranch): Promise<Applied> {
  const { branch, plan } = input;
  const database = databaseConfig(context.upstreamUrl, branch.database);
  const { result, failedAfter } = await withDatabase(context, branch.database, async (client) => {
    if (input.plannedFrom) await refuseDrift(client, input, input.plannedFrom);
    try {
      return await applyPlan(client, plan, async () => {
        const objects = await readCatalog(client);
        return { live: objects, identities: await readIdentities(client, objects.map((object) => object.key)) };
      });
    } catch (error) {
      throw new BranchError('APPLY_FAILED', `${input.doing} on "${branch.database}" failed, nothing of the transaction was applied: ${(error as Error).message}`);
    }
  });
  const [recorded] = await locked.record([
    {
      repository: input.repository,
      branch: branch.name,
      ...(input.secondParent !== undefined ? { secondParent: input.secondParent } : {}),
      metadata: {
        kind: input.kind,
        author: database.user ?? null,
        database: branch.database,
        applicationName: `pggit ${input.kind}`,
        clientAddress: null,
        backendPid: null,
        message: input.message,
        statements: plan.map((statement) => statement.sql),
        committedAt: new Date(),
      },
      changes: (head) => changesTo(result.live, head),
    },
  ]);
  // Every object's identity goes with the commit (one row each): a later lookup stops here instead of walking on.
  if (recorded) await writeIdentities(locked.client, recorded.id, result.identities);
  const applied = { commit: recorded?.id ?? null, identities: result.identities };
  return failedAfter ? { ...applied, failedAfter } : applied;
}

async function refuseDrift(client: pg.ClientBase, input: ApplyInput, recorded: readonly SchemaObject[]): Promise<void> {
  const head = new Map(recorded.map((object) => [object.key, object]));
  const drift: string[] = [];
  for (const object of await readCatalog(client)) {
    const was = head.get(object.key);
    if (!was || !sameObject(was, object)) drift.push(object.key);
    head.delete(object.key);
  }
  drift.push(...head.keys());
  if (drift.length === 0) return;
  drift.sort();
  throw new BranchError(
    'BRANCH_DRIFT',
    `${input.doing}: the database "${input.branch.database}" has changes the history has not recorded yet (${drift.slice(0, 5).join(', ')}${drift.length > 5 ? `, and ${drift.length - 5} more` : ''}); nothing was changed. Run again once they are recorded.`,
  );
}

function changesTo(live: readonly SchemaObject[], head: ReadonlyMap<string, string>): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  const now = new Map(live.map((object) => [object.key, encodeObject(object)]));
  for (const [key, text] of now) changes.set(key, text);
  for (const key of head.keys()) if (!now.has(key)) changes.set(key, null);
  return changes;
}
