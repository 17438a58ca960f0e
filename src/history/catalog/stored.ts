// The text a store keeps for an object so that a tree read back from it
// (key -> text) can be rendered in dependency order: the definition under a
// first line listing its dependencies. The line is an SQL comment, so the
// text stays runnable as it is.
//
//   -- pggit:depends ["schema:public","type:public.mood"]
//   CREATE TABLE public.users (...);
import type { SchemaObject } from './model.js';
import { isSchemaLevel, parseKey } from './object-key.js';

const HEADER = '-- pggit:depends ';

export function encodeObject(object: SchemaObject): string {
  return object.dependsOn.length === 0 ? object.definition : `${HEADER}${JSON.stringify(object.dependsOn)}\n${object.definition}`;
}

export function decodeObject(key: string, stored: string): SchemaObject {
  let definition = stored;
  let dependsOn: string[] = [];
  if (stored.startsWith(HEADER)) {
    const newline = stored.indexOf('\n');
    const header = newline < 0 ? stored : stored.slice(0, newline);
    dependsOn = (JSON.parse(header.slice(HEADER.length)) as string[]).slice().sort();
    definition = newline < 0 ? '' : stored.slice(newline + 1);
  }
  const { kind, parts } = parseKey(key);
  const schemaLevel = isSchemaLevel(kind);
  const schema = schemaLevel ? null : kind === 'default_acl' ? (parts.length === 3 ? parts[1]! : null) : parts[0]!;
  const name = schemaLevel ? parts[0]! : parts[parts.length - 1]!;
  return { key, kind, schema, name, definition, dependsOn };
}
