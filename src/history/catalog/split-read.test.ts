import { describe, expect, it } from 'vitest';
import type { ObjectKind, SchemaObject } from './model.js';
import { splitRead, type ScopePart } from './split-read.js';

function object(key: string, kind: ObjectKind, dependsOn: string[] = []): SchemaObject {
  return { key, kind, schema: null, name: key, definition: key, dependsOn };
}

const table = (name: string): ScopePart => ({ roots: [{ schema: 'public', name, kind: 'relation' }], keys: [] });

// Two tables as the bench makes them: each with its primary key constraint and index.
const a = [
  object('table:public.a', 'table', ['schema:public']),
  object('constraint:public.a.a_pkey', 'constraint', ['table:public.a']),
  object('index:public.a_pkey', 'index', ['constraint:public.a.a_pkey', 'table:public.a']),
];
const b = [
  object('table:public.b', 'table', ['schema:public']),
  object('constraint:public.b.b_pkey', 'constraint', ['table:public.b']),
  object('index:public.b_pkey', 'index', ['constraint:public.b.b_pkey', 'table:public.b']),
];

describe('splitting a combined scoped read', () => {
  it('gives each scope the objects connected to what it names, and its own roots and keys', () => {
    const parts = [table('a'), table('b'), table('gone')];
    const split = splitRead([...a, ...b], parts)!;
    expect(split.map((read) => read.objects.map((o) => o.key))).toEqual([a.map((o) => o.key), b.map((o) => o.key), []]);
    expect(split.map((read) => read.roots)).toEqual(parts.map((part) => part.roots));
  });

  it('does not join two scopes through an object outside the read (the schema both tables live in)', () => {
    expect(splitRead([...b, ...a], [table('a'), table('b')])?.map((read) => read.objects.length)).toEqual([3, 3]);
  });

  it('counts an object asked for by key as named by that scope', () => {
    const view = object('view:public.v', 'view', ['table:public.other']);
    const split = splitRead([...a, view], [table('a'), { roots: [], keys: ['view:public.v'] }])!;
    expect(split[1]!.objects).toEqual([view]);
  });

  it('refuses when two scopes reach the same group (related objects changed by two commits)', () => {
    const fk = object('constraint:public.b.b_a_fkey', 'constraint', ['table:public.b', 'table:public.a', 'index:public.a_pkey']);
    expect(splitRead([...a, ...b, fk], [table('a'), table('b')])).toBeUndefined();
    expect(splitRead(a, [table('a'), { roots: [], keys: ['index:public.a_pkey'] }])).toBeUndefined();
  });

  it('refuses when a group is named by no scope (reached over an edge dependsOn does not show)', () => {
    expect(splitRead([...a, object('view:public.lost', 'view', ['table:public.elsewhere'])], [table('a')])).toBeUndefined();
  });
});
