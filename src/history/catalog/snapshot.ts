// Reading the catalog: every family reader with one filter (everything, or
// the OIDs a scope resolved to), then the dependencies of what was found.
// A full read is a fixed number of set-based queries whatever the size of
// the schema; a scoped read adds one query that resolves the scope and reads
// only that.
import type pg from 'pg';
import { readAggregates } from './aggregates.js';
import { readBaseTypes } from './base-types.js';
import { readCasts, readTransforms } from './casts.js';
import { readConversions } from './conversions.js';
import { readForeignDataWrappers, readForeignServers, readUserMappings } from './foreign-data.js';
import { readAccessMethods, readLanguages } from './languages.js';
import { readOperatorClasses, readOperatorFamilies } from './operator-classes.js';
import { readOperators } from './operators.js';
import { readPublications, readSubscriptions } from './publications.js';
import { readTextSearchConfigurations, readTextSearchDictionaries, readTextSearchParsers, readTextSearchTemplates } from './text-search.js';
import { resolveScope, scopeRoots } from './closure.js';
import { readCollations } from './collations.js';
import { readConstraints } from './constraints.js';
import { readDefaultAcls } from './default-acls.js';
import { readDependencies } from './dependencies.js';
import { readDomains } from './domains.js';
import { readEventTriggers } from './event-triggers.js';
import { readExtensions } from './extensions.js';
import type { CatalogObject, FamilyReader } from './family.js';
import { isEmpty, type FilterFamily, type OidFilter, type ReadFilter } from './filter.js';
import { readFunctions } from './functions.js';
import { readIndexes } from './indexes.js';
import type { SchemaObject, ScopedRead, SnapshotScope } from './model.js';
import { readPolicies } from './policies.js';
import { readRules } from './rules.js';
import { readSchemas } from './schemas.js';
import { readSequences } from './sequences.js';
import { splitRead } from './split-read.js';
import { isCatalogRace, withCatalogSession, type CatalogClient, type CatalogSession } from './session.js';
import { readStatistics } from './statistics.js';
import { readSystemPrivileges } from './system-privileges.js';
import { readTables } from './tables.js';
import { readTriggers } from './triggers.js';
import { readTypes } from './user-types.js';
import { readViews } from './views.js';

// Each reader with the filter family that says whether it has anything to
// read (for the readers of relations, their part of `relations`, which they
// read with); a scoped read skips a reader whose family resolved to nothing.
const FAMILIES: ReadonlyArray<readonly [FamilyReader, FilterFamily]> = [
  [readSchemas, 'schemas'],
  [readExtensions, 'extensions'],
  [readCollations, 'collations'],
  [readTypes, 'types'],
  [readBaseTypes, 'types'],
  [readDomains, 'types'],
  [readFunctions, 'routines'],
  [readAggregates, 'routines'],
  [readSequences, 'sequences'],
  [readTables, 'tables'],
  [readViews, 'views'],
  [readConstraints, 'constraints'],
  [readIndexes, 'indexes'],
  [readStatistics, 'statistics'],
  [readTriggers, 'triggers'],
  [readRules, 'rules'],
  [readPolicies, 'policies'],
  [readEventTriggers, 'eventTriggers'],
  [readDefaultAcls, 'defaultAcls'],
  [readSystemPrivileges, 'systemRelations'],
  [readOperators, 'whole'],
  [readOperatorFamilies, 'whole'],
  [readOperatorClasses, 'whole'],
  [readCasts, 'whole'],
  [readTransforms, 'whole'],
  [readConversions, 'whole'],
  [readTextSearchParsers, 'whole'],
  [readTextSearchTemplates, 'whole'],
  [readTextSearchDictionaries, 'whole'],
  [readTextSearchConfigurations, 'whole'],
  [readLanguages, 'whole'],
  [readAccessMethods, 'whole'],
  [readForeignDataWrappers, 'whole'],
  [readForeignServers, 'whole'],
  [readUserMappings, 'whole'],
  [readPublications, 'whole'],
  [readSubscriptions, 'whole'],
];

/**
 * Every user object (no scope), or the objects a scope names plus everything
 * that depends on them. Skips pg_catalog, information_schema, pg_toast,
 * temporary schemas and the members of extensions (the extension itself is
 * recorded). Sorted by key.
 */
export async function readCatalog(client: pg.ClientBase, scope?: SnapshotScope): Promise<SchemaObject[]> {
  if (scope === undefined) return retryingRaces(() => withCatalogSession(client, (session) => readFiltered(session, null)));
  return (await readScope(client, scope)).objects;
}

const RACE_ATTEMPTS = 5;

/**
 * Runs a read again, in a new snapshot, when a concurrent DROP made it
 * meet an object that its snapshot still listed (isCatalogRace): the read
 * is what a commit is recorded from, so it must not be lost.
 */
async function retryingRaces<T>(read: () => Promise<T>, mayRetry: () => boolean = () => true): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= RACE_ATTEMPTS || !isCatalogRace(error) || !mayRetry()) throw error;
    }
  }
}

/**
 * A scoped read, with the qualified names it resolved the scope to (see
 * coverage.ts). `onRead` gets the read as soon as it is in, before its
 * transaction's COMMIT has come back.
 */
export async function readScope(client: CatalogClient, scope: SnapshotScope, onRead?: (read: ScopedRead) => void, within: WithinTransaction = {}): Promise<ScopedRead> {
  let ended = false;
  const afterEnd = within.afterEnd && ((): void => {
    ended = true;
    within.afterEnd!();
  });
  // What followed the end may have ended the transaction: no second read in it.
  return retryingRaces(() => readScopeOnce(client, scope, onRead, { lockTimeout: within.lockTimeout, afterEnd }), () => !ended);
}

/** How a read inside a client's transaction runs (see SessionStart). */
export interface WithinTransaction {
  readonly lockTimeout?: string | undefined;
  /** Once it was called, a read that met a concurrent DROP is not read again. */
  readonly afterEnd?: (() => void) | undefined;
}

// Two round trips on a pipelined connection: the session's start with the
// scope's resolution, then every family's read with the dependencies.
async function readScopeOnce(client: CatalogClient, scope: SnapshotScope, onRead: ((read: ScopedRead) => void) | undefined, within: WithinTransaction): Promise<ScopedRead> {
  const keys = [...(scope.keys ?? [])];
  const { lockTimeout, afterEnd } = within;
  if (scope.names.length === 0 && keys.length === 0) {
    return withCatalogSession(client, async (session) => ({ objects: [], roots: scopeRoots(scope.names, pathOf(scope, session)), keys }), { onResult: onRead, lockTimeout, afterEnd });
  }
  return withCatalogSession<ScopedRead, OidFilter>(
    client,
    async (session, filter) => {
      const roots = scopeRoots(scope.names, pathOf(scope, session));
      // Reading the kinds read whole covers all of them.
      if (filter.whole.length > 0 && !roots.some((root) => root.kind === 'other')) roots.push({ schema: null, name: '', kind: 'other' });
      return { objects: isEmpty(filter) ? [] : await readFiltered(session, filter), roots, keys };
    },
    { first: (query) => resolveScope(query, scope.names, keys, scope.searchPath ?? 'connection'), fewObjects: true, onResult: onRead, lockTimeout, afterEnd },
  );
}

/**
 * The scoped reads of several scopes (of one searchPath) in one snapshot and
 * one statement per family: each as readScope would have returned it in
 * that snapshot (split-read.ts). Undefined when the objects found cannot be
 * told apart by scope, or a scope reads the kinds read whole: read them one
 * by one then. `onRead` gets them as soon as they are in.
 */
export async function readScopes(client: pg.ClientBase, scopes: readonly SnapshotScope[], onRead?: (reads: ScopedRead[]) => void): Promise<ScopedRead[] | undefined> {
  const searchPath = scopes[0]?.searchPath;
  if (scopes.some((scope) => scope.searchPath !== searchPath)) throw new Error('readScopes: the scopes must share one searchPath');
  const names = scopes.flatMap((scope) => scope.names);
  const keys = [...new Set(scopes.flatMap((scope) => scope.keys ?? []))];
  return retryingRaces(() =>
    withCatalogSession<ScopedRead[] | undefined, OidFilter>(
      client,
      async (session, filter) => {
        if (filter.whole.length > 0) return undefined;
        const objects = isEmpty(filter) ? [] : await readFiltered(session, filter);
        return splitRead(objects, scopes.map((scope) => ({ roots: scopeRoots(scope.names, pathOf(scope, session)), keys: [...(scope.keys ?? [])] })));
      },
      {
        first: (query) => resolveScope(query, names, keys, searchPath ?? 'connection'),
        fewObjects: true,
        onResult: (reads) => reads && onRead?.(reads),
      },
    ),
  );
}

/** The schemas the scope's unqualified names were looked up in. */
function pathOf(scope: SnapshotScope, session: CatalogSession): readonly string[] {
  if (scope.searchPath === undefined) return session.searchPath;
  return scope.searchPath === 'user schemas' ? session.userSchemas : scope.searchPath;
}

async function readFiltered(session: CatalogSession, filter: ReadFilter): Promise<SchemaObject[]> {
  const reads = FAMILIES.filter(([, family]) => filter === null || filter[family].length > 0).map(([read]) => () => read(session.query, filter));
  const [deps, ...families] = await session.last<unknown>([() => readDependencies(session.query, filter), ...reads]);
  const found = (families as CatalogObject[][]).flat();
  const depsOf = deps as Map<string, Set<string>>;
  return found
    .map(({ requires, ...object }): SchemaObject => {
      const dependsOn = new Set([...(depsOf.get(object.key) ?? []), ...(requires ?? [])]);
      return { ...object, dependsOn: [...dependsOn].sort() };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
