import { describe, expect, it } from 'vitest';
import type { ObjectKind, SchemaObject } from './model.js';
import { orderObjects } from './order.js';
import { renderSchema } from './render.js';

function object(key: string, kind: ObjectKind, dependsOn: string[] = [], definition = `-- ${key}`): SchemaObject {
  return { key, kind, schema: 'public', name: key, definition, dependsOn };
}

const keys = (objects: readonly SchemaObject[]): string[] => objects.map((o) => o.key);

describe('dependency order', () => {
  it('puts what an object depends on first, else follows the kind phases, then keys', () => {
    const objects = [
      object('view:public.b', 'view', ['view:public.c']),
      object('view:public.c', 'view', ['table:public.t']),
      object('table:public.t', 'table', ['type:public.mood', 'schema:public']),
      object('index:public.t_i', 'index', ['table:public.t']),
      object('type:public.mood', 'type', ['schema:public']),
      object('schema:public', 'schema'),
      object('function:public.f()', 'function', ['schema:public']),
    ];
    expect(keys(orderObjects(objects))).toEqual([
      'schema:public',
      'type:public.mood',
      'function:public.f()',
      'table:public.t',
      'view:public.c',
      'view:public.b',
      'index:public.t_i',
    ]);
  });

  it('is the same whatever order the objects come in', () => {
    const objects = [
      object('table:public.a', 'table'),
      object('table:public.b', 'table', ['table:public.a']),
      object('sequence:public.s', 'sequence'),
      object('constraint:public.b.k', 'constraint', ['table:public.b']),
    ];
    const expected = keys(orderObjects(objects));
    expect(keys(orderObjects([...objects].reverse()))).toEqual(expected);
    expect(expected).toEqual(['sequence:public.s', 'table:public.a', 'table:public.b', 'constraint:public.b.k']);
  });

  it('creates foreign keys after every other constraint', () => {
    const fk = object(
      'constraint:public.a.a_fk',
      'constraint',
      ['table:public.a'],
      'ALTER TABLE public.a ADD CONSTRAINT a_fk FOREIGN KEY (x) REFERENCES public.b(id);',
    );
    const quotedFk = object(
      'constraint:"my s"."t 1"."fk 2"',
      'constraint',
      [],
      'ALTER TABLE "my s"."t 1" ADD CONSTRAINT "fk 2" FOREIGN KEY (x) REFERENCES public.b(id);',
    );
    const pk = object('constraint:public.z.z_pkey', 'constraint', [], 'ALTER TABLE ONLY public.z ADD CONSTRAINT z_pkey PRIMARY KEY (id);');
    expect(keys(orderObjects([quotedFk, fk, pk, object('table:public.a', 'table')]))).toEqual([
      'table:public.a',
      'constraint:public.z.z_pkey',
      'constraint:"my s"."t 1"."fk 2"',
      'constraint:public.a.a_fk',
    ]);
  });

  it('ignores dependencies outside the set and breaks a cycle at its earliest object', () => {
    const objects = [
      object('view:public.x', 'view', ['view:public.y', 'table:public.elsewhere']),
      object('view:public.y', 'view', ['view:public.x']),
      object('table:public.t', 'table'),
    ];
    expect(keys(orderObjects(objects))).toEqual(['table:public.t', 'view:public.x', 'view:public.y']);
  });

  it('renders the settings pg_dump starts with, then each object under its key', () => {
    const sql = renderSchema([object('table:public.t', 'table', [], 'CREATE TABLE public.t ();'), object('schema:public', 'schema', [], 'CREATE SCHEMA IF NOT EXISTS public;')]);
    expect(sql.startsWith('SET statement_timeout = 0;\n')).toBe(true);
    expect(sql).toContain("SELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;");
    expect(sql.endsWith('-- schema:public\nCREATE SCHEMA IF NOT EXISTS public;\n\n-- table:public.t\nCREATE TABLE public.t ();\n')).toBe(true);
  });
});
