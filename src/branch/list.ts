// `pggit branch list`: the live branches of a repository with their head,
// where they started, their database, its size and the client sessions on it.
import { asBranchError, clientSessions, readerOf, repositoryIdOf, withDatabase, type BranchContext } from './admin.js';

export interface BranchSummary {
  readonly name: string;
  readonly database: string;
  readonly head: string | null;
  /** The commit the branch started at; null for main. */
  readonly createdFrom: string | null;
  readonly createdAt: string;
  /** pg_database_size; null when the database is missing. */
  readonly sizeBytes: number | null;
  /** Client sessions connected now (pggit's own connections not counted). */
  readonly connections: number;
}

export async function listBranches(context: BranchContext, repository: string): Promise<BranchSummary[]> {
  await repositoryIdOf(context, repository);
  const branches = await readerOf(context).branches(repository).catch((error: unknown) => {
    throw asBranchError(error);
  });
  const databases = branches.map((branch) => branch.database);
  const { sizes, sessions } = await withDatabase(context, undefined, async (admin) => {
    const { rows } = await admin.query<{ datname: string; size: string }>(
      'SELECT datname, pg_database_size(oid)::text AS size FROM pg_database WHERE datname = ANY($1)',
      [databases],
    );
    return { sizes: new Map(rows.map((row) => [row.datname, Number(row.size)])), sessions: await clientSessions(admin, databases) };
  });
  return branches.map((branch) => ({
    name: branch.name,
    database: branch.database,
    head: branch.head,
    createdFrom: branch.createdFrom,
    createdAt: branch.createdAt.toISOString(),
    sizeBytes: sizes.get(branch.database) ?? null,
    connections: sessions.get(branch.database) ?? 0,
  }));
}
