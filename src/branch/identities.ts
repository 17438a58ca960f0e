// The identities a diff between two recorded commits needs: for the keys
// only one side has (renamed objects appear as one removed and one added
// key) and the tables whose definitions differ (renamed columns).
import type pg from 'pg';
import type { SchemaObject } from '../history/index.js';
import type { Identities, SideIdentities } from '../plan/index.js';
import { identitiesAt, type StoredIdentity } from '../store/index.js';

export interface RecordedSide {
  readonly commit: string;
  readonly objects: readonly SchemaObject[];
}

function side(stored: ReadonlyMap<string, StoredIdentity>): SideIdentities {
  const objects = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  for (const [key, identity] of stored) {
    objects.set(key, identity.identity);
    if (identity.columns) columns.set(key, new Map(Object.entries(identity.columns).map(([name, attnum]) => [name, String(attnum)])));
  }
  return { objects, columns };
}

export async function identitiesBetween(pool: pg.Pool, from: RecordedSide, to: RecordedSide): Promise<Identities> {
  const before = new Map(from.objects.map((object) => [object.key, object]));
  const after = new Map(to.objects.map((object) => [object.key, object]));
  const fromKeys: string[] = [];
  const toKeys: string[] = [];
  for (const [key, object] of before) {
    const now = after.get(key);
    if (!now) fromKeys.push(key);
    else if (object.kind === 'table' && object.definition !== now.definition) fromKeys.push(key), toKeys.push(key);
  }
  for (const key of after.keys()) if (!before.has(key)) toKeys.push(key);
  if (fromKeys.length === 0 || toKeys.length === 0) return {};
  const [a, b] = await Promise.all([identitiesAt(pool, from.commit, fromKeys), identitiesAt(pool, to.commit, toKeys)]);
  return { from: side(a), to: side(b) };
}
