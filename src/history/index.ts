// history: the recorder (change sets -> commits), the canonical catalog
// snapshot and its rendering, diffs and reconciliation.
export * from './catalog/index.js';
export { Recorder, type RecorderOptions, type RecordTarget } from './recorder.js';
export type { ReadAhead } from './read-ahead.js';
export { CatalogPools, DEFAULT_LOCK_DATABASE } from './catalog-pools.js';
export { scopeOfChangeSet } from './change-scope.js';
export { ObservedReader, type CombinedReads, type ObservedRead } from './observed-read.js';
export { summarise } from './commit-message.js';
export * from './queries/index.js';
export { readIdentities } from './identities.js';
export type { CatalogClient } from './catalog/index.js';
