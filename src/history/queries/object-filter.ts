// `pggit log --object NAME`: which object keys belong to a name. A name is
// written as in SQL (unquoted parts fold to lower case, "Quoted" ones keep
// their case): SCHEMA.NAME matches the keys anchored at that relation, type
// or function (the table itself, its constraints, triggers, policies and
// rules; every overload of a function), and the indexes and extended
// statistics defined on it; a bare NAME matches that name in any schema and
// schema-level objects (a schema, an extension, an event trigger).
import { anchorOf, KeyError } from '../catalog/index.js';

export interface ObjectName {
  /** undefined: any schema, or a schema-level object. */
  readonly schema?: string;
  readonly name: string;
}

export class ObjectNameError extends Error {
  readonly code = 'BAD_OBJECT_NAME';
}

export function parseObjectName(text: string): ObjectName {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    if (text[at] === '"') {
      let name = '';
      at += 1;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new ObjectNameError(`unterminated quoted identifier in "${text}"`);
        name += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        name += '"';
        at += 1;
      }
      if (name === '') throw new ObjectNameError(`empty quoted identifier in "${text}"`);
      parts.push(name);
    } else {
      let end = at;
      while (end < text.length && text[end] !== '.' && text[end] !== '"') end += 1;
      const part = text.slice(at, end).trim();
      if (part === '') throw new ObjectNameError(`expected SCHEMA.NAME or NAME, got "${text}"`);
      parts.push(part.toLowerCase());
      at = end;
    }
    if (at === text.length) break;
    if (text[at] !== '.') throw new ObjectNameError(`expected SCHEMA.NAME or NAME, got "${text}"`);
    at += 1;
  }
  if (parts.length > 2) throw new ObjectNameError(`expected SCHEMA.NAME or NAME, got "${text}"`);
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

/** Is key anchored at the object (see anchorOf)? Unparseable keys never are. */
export function keyMatches(key: string, object: ObjectName): boolean {
  let anchor: ReturnType<typeof anchorOf>;
  try {
    anchor = anchorOf(key);
  } catch (error) {
    if (error instanceof KeyError) return false;
    throw error;
  }
  if (!anchor || anchor.name !== object.name) return false;
  return object.schema === undefined || anchor.schema === object.schema;
}

/** Texts every key of the object contains, as it is written in a key (for a SQL prefilter). */
export function keyTexts(object: ObjectName): string[] {
  return [...new Set([object.name, object.name.replace(/"/g, '""')])];
}

/** Kinds of keys that belong to a relation through their dependencies rather than their name. */
export const DEPENDENT_KINDS = ['index', 'statistics'] as const;
