// store: connections to PostgreSQL (TLS negotiated as libpq does) and the
// metadata store (plain tables in schema pggit, created and
// upgraded from sql/): repositories, branches, commits, trees.
export { openStore, connectStore, defaultStoreUrl, type OpenStoreOptions } from './open-store.js';
export { HistoryStore, type IdentitiesOf, type LockedBranch } from './history-store.js';
export type { RecordInput, ChangesFromHead } from './commit-builder.js';
export { migrate, loadMigrations, type Migration } from './migrations.js';
export { ensureStoreDatabase } from './store-database.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { definitionHash, treeHash, commitHash, TreeHasher, type Tree } from './hashing.js';
export { writeCommits, type PreparedCommit, type CommitsOnHead } from './commit-writes.js';
export { applyChanges, type TreeUpdate } from './tree-update.js';
export { placeAfter, checkpointInterval, type Placement } from './stored-trees.js';
export type { BranchRow, CommitKind, CommitMetadata, CommitRow, TreeChanges } from './types.js';
export { openHistoryReader, connectHistoryReader, HistoryReader, displayUrl, type OpenReaderOptions, type RepositoryInfo } from './history-reader.js';
export { databaseConfig, databaseOfUrl } from './connection-config.js';
export { surviveLostConnections } from './pool-errors.js';
export { urlConfig } from './connection-config.js';
export { connectServer, openServerConnection, describeServer, effectiveMode, serverTargetFromUrl, type ServerAddress, type ServerTarget, type ConnectServerOptions, type ServerConnection } from './server-connection.js';
export { ServerTls, ServerTlsError, serverTlsSettings, SSL_MODES, TLS_URL_PARAMETERS, type SslMode, type ServerTlsSettings } from './server-tls.js';
export { identitiesAt, writeIdentities, type CommitIdentities, type StoredIdentity } from './identities.js';
export { mergeBase, isAncestor, type MergeBase } from './merge-base.js';
export { aliasClasses, writeAliases } from './identity-aliases.js';
export { readMerge, listMerges, startMerge, resolveConflict, endMerge, type StoredMerge, type StoredConflict, type Resolution } from './merge-state.js';
export { collectGarbage, type GcOptions, type GcResult } from './gc.js';
export { storeSizeBytes } from './store-size.js';
