// Identities for a merge: every object of a commit's tree with its
// identity class (sql/005: the same object in another database counts as
// the same), columns as "<identity>#<attnum>" classes. And the aliases
// that make those classes: written when a branch database is built from a
// commit and when a merge has made the target's objects.
import type pg from 'pg';
import type { SchemaObject } from '../history/index.js';
import type { SideIdentities } from '../plan/index.js';
import { aliasClasses, identitiesAt, writeAliases, type StoredIdentity } from '../store/index.js';

export type Canonical = (identity: string) => string;

export async function canonicalizer(pool: pg.Pool, repositoryId: number): Promise<Canonical> {
  const classes = await aliasClasses(pool, repositoryId);
  return (identity) => classes.get(identity) ?? identity;
}

export async function sideIdentities(pool: pg.Pool, commit: string, objects: readonly SchemaObject[], canonical: Canonical): Promise<SideIdentities> {
  const stored = await identitiesAt(pool, commit, objects.map((object) => object.key));
  const result = { objects: new Map<string, string>(), columns: new Map<string, Map<string, string>>() };
  for (const [key, identity] of stored) {
    result.objects.set(key, canonical(identity.identity));
    if (identity.columns) result.columns.set(key, new Map(Object.entries(identity.columns).map(([name, attnum]) => [name, canonical(`${identity.identity}#${attnum}`)])));
  }
  return result;
}

/** Pairs "this identity is that one", objects and their columns by name. */
function pairsOf(now: ReadonlyMap<string, StoredIdentity>, was: (key: string) => { identity: string; columns: ReadonlyMap<string, string> | null } | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, identity] of now) {
    const before = was(key);
    if (!before) continue;
    pairs.push([identity.identity, before.identity]);
    for (const [name, attnum] of Object.entries(identity.columns ?? {})) {
      const column = before.columns?.get(name);
      if (column !== undefined) pairs.push([`${identity.identity}#${attnum}`, column]);
    }
  }
  return pairs;
}

/** A branch database built from commit: its objects are the commit's objects. */
export async function aliasBuiltDatabase(store: pg.Pool | pg.ClientBase, repositoryId: number, commit: string, built: ReadonlyMap<string, StoredIdentity>): Promise<void> {
  const recorded = await identitiesAt(store, commit, [...built.keys()]);
  await writeAliases(store, repositoryId, pairsOf(built, (key) => {
    const found = recorded.get(key);
    if (!found) return undefined;
    return { identity: found.identity, columns: new Map(Object.entries(found.columns ?? {}).map(([name, attnum]) => [name, `${found.identity}#${attnum}`])) };
  }));
}

/** After a merge: each object of the target database is the merged object it was planned from. */
export async function aliasMerged(store: pg.Pool, repositoryId: number, live: ReadonlyMap<string, StoredIdentity>, merged: SideIdentities): Promise<void> {
  await writeAliases(store, repositoryId, pairsOf(live, (key) => {
    const identity = merged.objects.get(key);
    return identity === undefined ? undefined : { identity, columns: merged.columns?.get(key) ?? null };
  }));
}
