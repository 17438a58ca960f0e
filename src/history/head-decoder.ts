// A branch head's objects decoded from their stored text, reused while the
// text is unchanged. Each database keeps only the objects of the last head
// it decoded: an object dropped from the schema leaves the cache with the
// next head (a cache of every object ever seen grew with each new name).
// When the head is the tree the recorder last wrote (advance), that very
// array comes back: its index (coverage.ts) is already built.
import { decodeObject, type SchemaObject } from './catalog/index.js';

interface Decoded {
  readonly stored: string;
  readonly object: SchemaObject;
}

interface DecodedHead {
  readonly byKey: Map<string, Decoded>;
  /** The objects, as last returned. */
  objects: readonly SchemaObject[];
}

export class HeadDecoder {
  private readonly byDatabase = new Map<string, DecodedHead>();

  /** The head's objects (the array returned last time when nothing changed since). */
  decode(database: string, head: ReadonlyMap<string, string>): readonly SchemaObject[] {
    const cached = this.byDatabase.get(database);
    if (cached !== undefined && this.unchanged(cached.byKey, head)) return cached.objects;
    const byKey = new Map<string, Decoded>();
    for (const [key, stored] of head) {
      const hit = cached?.byKey.get(key);
      byKey.set(key, hit?.stored === stored ? hit : { stored, object: decodeObject(key, stored) });
    }
    const objects = [...byKey.values()].map((entry) => entry.object);
    this.byDatabase.set(database, { byKey, objects });
    return objects;
  }

  /** The head decoded last is now `next`: `changes` (key -> stored text, null: gone) were written on it. */
  advance(database: string, next: readonly SchemaObject[], changes: ReadonlyMap<string, string | null>, changed: ReadonlyMap<string, SchemaObject | null>): void {
    const cached = this.byDatabase.get(database);
    if (cached === undefined) return;
    for (const [key, stored] of changes) {
      const object = changed.get(key);
      if (stored === null || !object) cached.byKey.delete(key);
      else cached.byKey.set(key, { stored, object });
    }
    cached.objects = next;
  }

  private unchanged(byKey: ReadonlyMap<string, Decoded>, head: ReadonlyMap<string, string>): boolean {
    if (byKey.size !== head.size) return false;
    for (const [key, stored] of head) if (byKey.get(key)?.stored !== stored) return false;
    return true;
  }

  forget(database: string): void {
    this.byDatabase.delete(database);
  }
}
