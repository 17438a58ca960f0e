// ddl: sees the schema changes in the traffic, purely (no I/O). A cheap
// pre-filter classifies each statement by its first keywords; only possible
// DDL reaches the real PostgreSQL parser (libpg-query, `loadParser()` once at
// startup); THE list of what counts as a schema change is data in
// schema-changes.ts; and a per-session TransactionTracker turns protocol
// events into change sets: the DDL of each transaction that really committed.
export type { ChangeSet, SessionInfo } from './change-set.js';
export type { DdlObject, DdlStatement } from './ddl-statement.js';
export { commitMessageOf } from './commit-message.js';
export { loadParser, parserLoaded, parseStatements, splitByScanner, type ParsedStatement } from './parser.js';
export { isPlainQuery } from './plain-query.js';
export { classifyLead, classifyStatement, leadOf, mayBeDdl, type LeadClass, type StatementClass } from './prefilter.js';
export { guardAllowanceOf, type GuardAllowance } from './guard-allow.js';
export { searchPathSetBy, startupSearchPath, type SearchPathSet } from './search-path-set.js';
export { PreparedTransactions, type PreparedChanges } from './prepared-transactions.js';
export { hasLaterStatement, schemaChangesIn, splitQuery, type QueryPart } from './query-parts.js';
export { redactSecrets } from './redact-secrets.js';
export { describeSchemaChange, SCHEMA_CHANGES, type SchemaChangeRule } from './schema-changes.js';
export { readTransactionCommand, type TransactionCommand } from './transaction-command.js';
export { TransactionTracker, type TransactionTrackerOptions } from './transaction-tracker.js';
export type { TakenContent } from './transaction-content.js';
export { bodyOf, type NodeBody, type NodeType } from './node-types.js';
