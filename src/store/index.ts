// store: the metadata store (plain tables in schema pggit, created and
// upgraded from sql/): repositories, branches, commits, trees.
export { openStore, connectStore, defaultStoreUrl, type OpenStoreOptions } from './open-store.js';
export { HistoryStore, type RecordInput, type ChangesFromHead } from './history-store.js';
export { migrate, loadMigrations, type Migration } from './migrations.js';
export { ensureStoreDatabase } from './store-database.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { definitionHash, treeHash, commitHash, type Tree } from './hashing.js';
export type { BranchRow, CommitKind, CommitMetadata, CommitRow, TreeChanges } from './types.js';
export { openHistoryReader, connectHistoryReader, HistoryReader, displayUrl, type OpenReaderOptions, type RepositoryInfo } from './history-reader.js';
export { databaseConfig, databaseOfUrl } from './connection-config.js';
