// Names across the three sides of a merge. Each side's renames relative to
// the base come from identities (renames.ts); a merged object is named as
// the side that renamed it, and every definition is rewritten into those
// names so base, ours and theirs compare in one vocabulary.
import type { SchemaObject } from '../history/index.js';
import { findRenames, NameRewriter, type RenameSet } from './renames.js';
import { rawNameParts } from './sql-tokens.js';
import type { SideIdentities } from './types.js';

export type Side = 'base' | 'ours' | 'theirs';

/** One object followed through the merge: its key on each side where it exists. */
export interface Unit {
  base?: string;
  ours?: string;
  theirs?: string;
  /** Its name in the merge, or null when the sides renamed it differently. */
  target: string | null;
}

export function renamesFrom(base: ReadonlyMap<string, SchemaObject>, side: ReadonlyMap<string, SchemaObject>, from?: SideIdentities, to?: SideIdentities): RenameSet {
  const removed = [...base.values()].filter((object) => !side.has(object.key));
  const added = new Map([...side].filter(([key]) => !base.has(key)));
  const pairs = [...base.keys()].filter((key) => key.startsWith('table:') && side.has(key)).map((key): [string, string] => [key, key]);
  return findRenames(removed, added, pairs, from && to ? { from, to } : {});
}

/** Pairs up base, ours and theirs keys into units: by rename, else by key. */
export function unitsOf(base: ReadonlyMap<string, SchemaObject>, ours: ReadonlyMap<string, SchemaObject>, theirs: ReadonlyMap<string, SchemaObject>, renamed: { ours: RenameSet; theirs: RenameSet }): Unit[] {
  const units: Unit[] = [];
  const claimed = { ours: new Set<string>(), theirs: new Set<string>() };
  const sideKey = (side: 'ours' | 'theirs', map: ReadonlyMap<string, SchemaObject>, key: string): string | undefined => {
    const found = renamed[side].objects.get(key) ?? (map.has(key) ? key : undefined);
    if (found !== undefined) claimed[side].add(found);
    return found;
  };
  for (const key of base.keys()) {
    const unit: Unit = { base: key, target: null };
    const o = sideKey('ours', ours, key);
    const t = sideKey('theirs', theirs, key);
    if (o !== undefined) unit.ours = o;
    if (t !== undefined) unit.theirs = t;
    unit.target = o !== undefined && t !== undefined ? (o === t ? o : o === key ? t : t === key ? o : null) : (o ?? t ?? key);
    units.push(unit);
  }
  for (const key of ours.keys()) {
    if (claimed.ours.has(key)) continue;
    const unit: Unit = { ours: key, target: key };
    if (theirs.has(key) && !claimed.theirs.has(key)) (unit.theirs = key), claimed.theirs.add(key);
    units.push(unit);
  }
  for (const key of theirs.keys()) if (!claimed.theirs.has(key)) units.push({ theirs: key, target: key });
  return units;
}

/** Rewrites definitions written on one side into the merge's names. */
export class SideRewriter {
  private readonly names: NameRewriter;

  constructor(
    /** side key -> target key, where they differ */
    private readonly keys: ReadonlyMap<string, string>,
    /** target table key -> (column name on this side -> name in the merge) */
    private readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>,
  ) {
    this.names = new NameRewriter({ objects: new Map(keys), columns: new Map([...columns].map(([table, names]) => [table, new Map(names)])) });
  }

  key(sideKey: string): string {
    return this.keys.get(sideKey) ?? sideKey;
  }

  object(object: SchemaObject): SchemaObject {
    const key = this.key(object.key);
    const own = key === object.key ? undefined : { from: rawNameParts(object.key).parts.at(-1)!, to: rawNameParts(key).parts.at(-1)! };
    let definition = this.names.empty && !own ? object.definition : this.names.rewrite(object.definition, own);
    const dependsOn = object.dependsOn.map((dep) => this.key(dep));
    if (object.kind !== 'table') {
      for (const dep of dependsOn) {
        const renamed = this.columns.get(dep);
        if (renamed) definition = renameColumnRefs(definition, renamed);
      }
    }
    const { parts } = rawNameParts(key);
    return { ...object, key, definition, dependsOn, ...(key === object.key ? {} : { name: unquote(parts.at(-1)!), schema: parts.length > 1 ? unquote(parts[0]!) : object.schema }) };
  }
}

const unquote = (name: string): string => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Unqualified column names in an index, constraint, view, trigger or policy over a table whose columns were renamed. */
export function renameColumnRefs(definition: string, renamed: ReadonlyMap<string, string>): string {
  let text = definition;
  for (const [old, now] of renamed) text = text.replace(new RegExp(`(?<![\\w$"])${escape(old)}(?![\\w$"(])`, 'g'), now);
  return text;
}

/** Whether a definition mentions a column by name (as an identifier). */
export function mentionsColumn(definition: string, column: string): boolean {
  return new RegExp(`(?<![\\w$"])${escape(column)}(?![\\w$"(])`).test(definition);
}
