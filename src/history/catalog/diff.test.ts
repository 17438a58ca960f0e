import { describe, expect, it } from 'vitest';
import { diffObjects, isEmptyDiff } from './diff.js';
import type { SchemaObject } from './model.js';
import { decodeObject, encodeObject } from './stored.js';

const table = (name: string, definition: string, dependsOn: string[] = []): SchemaObject => ({
  key: `table:public.${name}`,
  kind: 'table',
  schema: 'public',
  name,
  definition,
  dependsOn,
});

describe('object diff', () => {
  it('lists added, removed and changed objects by key', () => {
    const before = [table('a', 'CREATE TABLE public.a ();'), table('b', 'CREATE TABLE public.b ();'), table('c', 'x')];
    const after = [table('c', 'x'), table('b', 'CREATE TABLE public.b (id integer);'), table('d', 'CREATE TABLE public.d ();')];
    const diff = diffObjects(before, after);
    expect(diff.added.map((o) => o.key)).toEqual(['table:public.d']);
    expect(diff.removed.map((o) => o.key)).toEqual(['table:public.a']);
    expect(diff.changed.map(({ before: b, after: a }) => [b.definition, a.definition])).toEqual([
      ['CREATE TABLE public.b ();', 'CREATE TABLE public.b (id integer);'],
    ]);
    expect(isEmptyDiff(diff)).toBe(false);
  });

  it('counts a change of dependencies as a change', () => {
    const diff = diffObjects([table('a', 'same', ['type:public.x'])], [table('a', 'same', ['type:public.y'])]);
    expect(diff.changed).toHaveLength(1);
    expect(isEmptyDiff(diffObjects([table('a', 'same', ['s'])], [table('a', 'same', ['s'])]))).toBe(true);
  });
});

describe('stored form', () => {
  it('keeps dependencies in a comment line so a stored tree renders in order', () => {
    const object = table('orders', 'CREATE TABLE public.orders (\n    id integer\n);', ['schema:public', 'type:"my s"."odd,name"']);
    const stored = encodeObject(object);
    expect(stored).toBe('-- pggit:depends ["schema:public","type:\\"my s\\".\\"odd,name\\""]\nCREATE TABLE public.orders (\n    id integer\n);');
    expect(decodeObject(object.key, stored)).toEqual(object);
  });

  it('stores an object without dependencies as its bare definition', () => {
    const object: SchemaObject = { key: 'schema:app', kind: 'schema', schema: null, name: 'app', definition: 'CREATE SCHEMA app;', dependsOn: [] };
    expect(encodeObject(object)).toBe('CREATE SCHEMA app;');
    expect(decodeObject('schema:app', 'CREATE SCHEMA app;')).toEqual(object);
    expect(decodeObject('default_acl:alice.app.tables', 'x')).toMatchObject({ kind: 'default_acl', schema: 'app', name: 'tables' });
    expect(decodeObject('function:public.f(integer)', 'x')).toMatchObject({ kind: 'function', schema: 'public', name: 'f' });
  });
});
