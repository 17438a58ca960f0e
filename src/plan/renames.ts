// Renames from identities: an object whose key differs between the two
// sides but whose identity (its oid when each snapshot was read) is the
// same was renamed (or moved to another schema), and a table's column whose
// attnum is the same under another name was renamed. Names are never
// compared: without identities there are no renames.
import type { SchemaObject } from '../history/index.js';
import type { Identities } from './types.js';
import { rawNameParts } from './sql-tokens.js';

export interface RenameSet {
  /** from key -> to key */
  readonly objects: Map<string, string>;
  /** to table key -> (old column name -> new column name), names as written (quoted where needed) */
  readonly columns: Map<string, Map<string, string>>;
}

export function findRenames(
  removed: readonly SchemaObject[],
  added: ReadonlyMap<string, SchemaObject>,
  tablePairs: ReadonlyArray<[string, string]>,
  identities: Identities,
): RenameSet {
  const objects = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  const from = identities.from;
  const to = identities.to;
  if (!from || !to) return { objects, columns };
  const addedById = new Map<string, string>();
  for (const key of added.keys()) {
    const id = to.objects.get(key);
    if (id !== undefined) addedById.set(id, key);
  }
  for (const object of removed) {
    const id = from.objects.get(object.key);
    const target = id === undefined ? undefined : addedById.get(id);
    if (target !== undefined && added.get(target)!.kind === object.kind) objects.set(object.key, target);
  }
  for (const [fromKey, toKey] of [...tablePairs, ...[...objects].filter(([key]) => key.startsWith('table:'))]) {
    const before = from.columns?.get(fromKey);
    const after = to.columns?.get(toKey);
    if (!before || !after) continue;
    const byId = new Map([...after].map(([name, id]) => [id, name]));
    for (const [name, id] of before) {
      const now = byId.get(id);
      if (now === undefined || now === name) continue;
      let renamed = columns.get(toKey);
      if (!renamed) columns.set(toKey, (renamed = new Map()));
      renamed.set(name, now);
    }
  }
  return { objects, columns };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rewrites old names into new ones in a definition written before the renames, so it compares with the new one. */
export class NameRewriter {
  private readonly pairs: Array<[RegExp, string]> = [];

  constructor(renames: RenameSet) {
    for (const [fromKey, toKey] of renames.objects) {
      const from = rawNameParts(fromKey);
      const to = rawNameParts(toKey);
      if (from.parts.length === 2) this.add(from.parts.join('.'), to.parts.join('.'));
      if (from.parts.length === 1) this.add(`${from.parts[0]}.`, `${to.parts[0]}.`, true);
    }
    for (const [tableKey, names] of renames.columns) {
      const table = rawNameParts(tableKey).parts.join('.');
      for (const [old, now] of names) this.add(`${table}.${old}`, `${table}.${now}`);
    }
  }

  private add(from: string, to: string, prefix = false): void {
    this.pairs.push([new RegExp(`(?<![\\w$"])${escape(from)}${prefix ? '' : '(?![\\w$"])'}`, 'g'), to]);
  }

  get empty(): boolean {
    return this.pairs.length === 0;
  }

  rewrite(text: string, ownName?: { from: string; to: string }): string {
    let result = text;
    for (const [pattern, replacement] of this.pairs) result = result.replace(pattern, replacement);
    if (ownName && ownName.from !== ownName.to) {
      result = result.replace(new RegExp(`(?<![\\w$"])${escape(ownName.from)}(?![\\w$"])`), ownName.to);
    }
    return result;
  }
}
