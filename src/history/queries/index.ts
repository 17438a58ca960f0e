// queries: what the history commands (CLI log/show/schema, the HTTP API)
// read from a metadata store, as JSON-ready answers. Revisions (REF) follow
// ref-grammar.ts; resolveRef turns one into a commit id.
export { readLog, objectKeys, type LogOptions, type LogResult } from './log.js';
export { showCommit, type CommitDetails, type CommitDiff, type ChangedObject, type ObjectVersion } from './show.js';
export { schemaAt, type SchemaAt } from './schema-at.js';
export { resolveRef, type RefContext, type ResolvedRef } from './resolve-ref.js';
export { parseRef, isIdPrefix, RefSyntaxError, type ParsedRef, type RefStep } from './ref-grammar.js';
export { parseObjectName, keyMatches, ObjectNameError, type ObjectName } from './object-filter.js';
export { selectRepository, selectBranch, listRepositories, type RepositorySummary } from './repository.js';
export { summarizeCommit, shortId, SHORT_ID_LENGTH, type CommitSummary } from './commit-summary.js';
export { lineDiff } from './line-diff.js';
