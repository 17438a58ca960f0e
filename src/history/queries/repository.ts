// Which history a command reads: the repository (one per upstream database)
// and a branch of it.
import { StoreError, type BranchRow, type HistoryReader } from '../../store/index.js';

/** The repository named, or the only one when name is undefined; errors list what exists. */
export async function selectRepository(reader: HistoryReader, name: string | undefined): Promise<string> {
  const names = (await reader.repositories()).map((repository) => repository.name);
  if (name !== undefined && names.includes(name)) return name;
  if (names.length === 0) {
    throw new StoreError('UNKNOWN_REPOSITORY', 'the store holds no history yet: no database has been seen through a proxy with this store');
  }
  if (name === undefined) {
    if (names.length === 1) return names[0]!;
    throw new StoreError('UNKNOWN_REPOSITORY', `the store holds the history of several databases; pick one with --db NAME: ${names.join(', ')}`);
  }
  throw new StoreError('UNKNOWN_REPOSITORY', `no history for database "${name}" in this store; repositories: ${names.join(', ')}`);
}

/** A live branch of the repository; unknown -> an error naming the branches that exist. */
export async function selectBranch(reader: HistoryReader, repository: string, name: string): Promise<BranchRow> {
  const branches = await reader.branches(repository);
  const branch = branches.find((candidate) => candidate.name === name);
  if (branch) return branch;
  const known = branches.map((candidate) => candidate.name).join(', ') || 'none';
  throw new StoreError('UNKNOWN_BRANCH', `no branch "${name}" in "${repository}"; branches: ${known}`);
}

export interface RepositorySummary {
  readonly name: string;
  readonly createdAt: string;
  readonly branches: ReadonlyArray<{ readonly name: string; readonly head: string | null; readonly database: string; readonly createdAt: string; readonly createdFrom: string | null }>;
}

/** Every repository of the store with its live branches (GET /api/repositories). */
export async function listRepositories(reader: HistoryReader): Promise<RepositorySummary[]> {
  const repositories = await reader.repositories();
  return Promise.all(
    repositories.map(async (repository) => ({
      name: repository.name,
      createdAt: repository.createdAt.toISOString(),
      branches: (await reader.branches(repository.name)).map((branch) => ({
        name: branch.name,
        head: branch.head,
        database: branch.database,
        createdAt: branch.createdAt.toISOString(),
        createdFrom: branch.createdFrom,
      })),
    })),
  );
}
