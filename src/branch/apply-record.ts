// The write path of revert and merge: run a plan on a branch's database
// (apply-plan.ts), read the catalog it leaves, record it as one commit of
// the branch (a merge with its second parent), and store the identities of
// what the commit changed so later diffs and merges still see renames.
import { encodeObject, readCatalog, readIdentities, type SchemaObject } from '../history/index.js';
import type { PlanStatement } from '../plan/index.js';
import { databaseConfig, writeIdentities, type CommitKind, type StoredIdentity } from '../store/index.js';
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
}

export interface Applied {
  readonly commit: string | null;
  /** The identity of every object of the database after the plan ran. */
  readonly identities: Map<string, StoredIdentity>;
}

export async function applyAndRecord(context: BranchContext, input: ApplyInput): Promise<Applied> {
  const { branch, plan } = input;
  const database = databaseConfig(context.upstreamUrl, branch.database);
  const { live, identities } = await withDatabase(context, branch.database, async (client) => {
    try {
      await applyPlan(client, plan);
    } catch (error) {
      throw new BranchError('APPLY_FAILED', `${input.doing} on "${branch.database}" failed, nothing of the transaction was applied: ${(error as Error).message}`);
    }
    const objects = await readCatalog(client);
    return { live: objects, identities: await readIdentities(client, objects.map((object) => object.key)) };
  });
  const recorded = await context.store.record({
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
    changes: (head) => changesTo(live, head),
  });
  // Every object's identity goes with the commit (one row each): a later lookup stops here instead of walking on.
  if (recorded) await writeIdentities(context.store.pool, recorded.id, identities);
  return { commit: recorded?.id ?? null, identities };
}

function changesTo(live: readonly SchemaObject[], head: ReadonlyMap<string, string>): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  const now = new Map(live.map((object) => [object.key, encodeObject(object)]));
  for (const [key, text] of now) changes.set(key, text);
  for (const key of head.keys()) if (!now.has(key)) changes.set(key, null);
  return changes;
}
