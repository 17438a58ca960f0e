// A branch head's objects decoded from their stored text, reused while the
// text is unchanged. Each database keeps only the objects of the last head
// it decoded: an object dropped from the schema leaves the cache with the
// next head (a cache of every object ever seen grew with each new name).
import { decodeObject, type SchemaObject } from './catalog/index.js';

interface Decoded {
  readonly stored: string;
  readonly object: SchemaObject;
}

export class HeadDecoder {
  private readonly byDatabase = new Map<string, ReadonlyMap<string, Decoded>>();

  /** The head's objects, in the head's order. */
  decode(database: string, head: ReadonlyMap<string, string>): SchemaObject[] {
    const cached = this.byDatabase.get(database);
    const kept = new Map<string, Decoded>();
    for (const [key, stored] of head) {
      const hit = cached?.get(key);
      kept.set(key, hit?.stored === stored ? hit : { stored, object: decodeObject(key, stored) });
    }
    this.byDatabase.set(database, kept);
    return [...kept.values()].map((entry) => entry.object);
  }

  forget(database: string): void {
    this.byDatabase.delete(database);
  }
}
