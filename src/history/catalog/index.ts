// catalog: the canonical schema snapshot. readCatalog reads user objects
// from the catalogs (pg_get_*def, format_type, pg_get_expr, ...) as
// SchemaObjects with stable keys, canonical SQL definitions and
// dependencies; renderSchema writes a set of them as one runnable script in
// dependency order; diffObjects compares two sets. A scoped read reads only
// what a change set's statements name plus what depends on them; coverage.ts
// says what it means for the keys it did not return, SchemaTree keeps a
// recorded tree up to date at the cost of the change, and stored.ts says how
// a store keeps definitions so a tree read back renders in order.
export type { ObjectKind, SchemaDiff, SchemaObject, ScopeName, ScopeRoot, ScopedRead, SnapshotScope } from './model.js';
export { readCatalog, readScope, readScopes, type WithinTransaction } from './snapshot.js';
export { renderSchema, PREAMBLE, type RenderOptions } from './render.js';
export { ownerOf, withoutOwner } from './owner.js';
export { orderObjects } from './order.js';
export { diffObjects, isEmptyDiff, sameObject } from './diff.js';
export { applyRead, applyScopedRead, coveredBy, coveredKeys, expandScope, scopeNameFor } from './coverage.js';
export type { AppliedRead } from './coverage.js';
export { SchemaTree } from './tree.js';
export { decodeObject, encodeObject } from './stored.js';
export { anchorOf, parseKey, KeyError, WHOLE_KINDS, type ParsedKey } from './object-key.js';
export { CatalogSessionError, pipelined, type CatalogClient } from './session.js';
