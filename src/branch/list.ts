// `pggit branch list`: the live branches of a repository with their head,
// where they started, their database, its size, the client sessions on it,
// when a session last reached it through pggit, its parent and whether it is
// merged there, and whether it is over the size warning.
import { asBranchError, clientSessions, readerOf, repositoryIdOf, withDatabase, type BranchContext } from './admin.js';
import { databaseSizes } from './database-sizes.js';
import { lineageOf } from './merged.js';

export interface BranchSummary {
  readonly name: string;
  readonly database: string;
  readonly head: string | null;
  /** The commit the branch started at; null for main. */
  readonly createdFrom: string | null;
  readonly createdAt: string;
  /** pg_database_size; null when the database is missing. */
  readonly sizeBytes: number | null;
  /** Over ListOptions.sizeWarnBytes. */
  readonly overSizeWarning: boolean;
  /** Client sessions connected now (pggit's own connections not counted). */
  readonly connections: number;
  /** When a session last reached the branch through a pggit proxy (to the minute); null: never seen. */
  readonly lastSessionAt: string | null;
  /** The branch it was made from; null for main. */
  readonly parent: string | null;
  /** Its head is in the parent's history; null for main. */
  readonly merged: boolean | null;
}

export interface ListOptions {
  /** Branches larger than this are flagged (--branch-size-warn). */
  readonly sizeWarnBytes?: number | undefined;
}

export async function listBranches(context: BranchContext, repository: string, options: ListOptions = {}): Promise<BranchSummary[]> {
  await repositoryIdOf(context, repository);
  const branches = await readerOf(context).branches(repository).catch((error: unknown) => {
    throw asBranchError(error);
  });
  const usage = await context.store.pool.query<{ name: string; last_session_at: Date | null; started_on: string | null }>(
    `SELECT b.name, b.last_session_at, c.branch AS started_on
       FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id LEFT JOIN pggit.commits c ON c.id = b.created_from
      WHERE r.name = $1 AND b.deleted_at IS NULL`,
    [repository],
  );
  const usageOf = new Map(usage.rows.map((row) => [row.name, row]));
  const lineage = await lineageOf(
    context.store.pool,
    branches.map((branch) => ({ name: branch.name, head: branch.head, startedOn: usageOf.get(branch.name)?.started_on ?? null })),
  );
  const databases = branches.map((branch) => branch.database);
  const { sizes, sessions } = await withDatabase(context, undefined, async (admin) => ({
    sizes: await databaseSizes(admin, databases),
    sessions: await clientSessions(admin, databases),
  }));
  return branches.map((branch) => {
    const sizeBytes = sizes.get(branch.database) ?? null;
    const lastSession = usageOf.get(branch.name)?.last_session_at ?? null;
    return {
      name: branch.name,
      database: branch.database,
      head: branch.head,
      createdFrom: branch.createdFrom,
      createdAt: branch.createdAt.toISOString(),
      sizeBytes,
      overSizeWarning: sizeBytes !== null && options.sizeWarnBytes !== undefined && sizeBytes > options.sizeWarnBytes,
      connections: sessions.get(branch.database) ?? 0,
      lastSessionAt: lastSession?.toISOString() ?? null,
      parent: lineage.get(branch.name)?.parent ?? null,
      merged: lineage.get(branch.name)?.merged ?? null,
    };
  });
}
