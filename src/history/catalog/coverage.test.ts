import { describe, expect, it } from 'vitest';
import { applyScopedRead, coveredBy, expandScope, scopeNameFor } from './coverage.js';
import type { ObjectKind, SchemaObject, ScopedRead } from './model.js';

function object(key: string, kind: ObjectKind, dependsOn: string[] = [], definition = key): SchemaObject {
  return { key, kind, schema: null, name: key, definition, dependsOn };
}

const previous = [
  object('schema:app', 'schema'),
  object('table:app.users', 'table', ['schema:app', 'sequence:app.users_id_seq']),
  object('sequence:app.users_id_seq', 'sequence', ['schema:app']),
  object('constraint:app.users.users_pkey', 'constraint', ['table:app.users']),
  object('view:app.active', 'view', ['table:app.users']),
  object('view:app.active_names', 'view', ['view:app.active']),
  object('function:app.label(app.users)', 'function', ['table:app.users']),
  object('table:public.other', 'table'),
  object('extension:citext', 'extension'),
];

describe('coverage of a scoped read', () => {
  const read: ScopedRead = {
    objects: [object('table:app.users', 'table', [], 'new definition')],
    roots: [
      { schema: 'app', name: 'users' },
      { schema: null, name: 'citext', kind: 'extension' },
    ],
    keys: ['view:app.active_names'],
  };

  it('covers what it returned and every key anchored at a name it resolved', () => {
    expect(coveredBy(read, 'table:app.users')).toBe(true);
    expect(coveredBy(read, 'constraint:app.users.users_pkey')).toBe(true);
    expect(coveredBy(read, 'extension:citext')).toBe(true);
    expect(coveredBy(read, 'view:app.active')).toBe(false);
    expect(coveredBy(read, 'view:app.active_names')).toBe(true);
    expect(coveredBy(read, 'table:public.users')).toBe(false);
  });

  it('covers a whole schema when the scope names it', () => {
    const schemaRead: ScopedRead = { objects: [], roots: [{ schema: null, name: 'app', kind: 'schema' }], keys: [] };
    expect(coveredBy(schemaRead, 'schema:app')).toBe(true);
    expect(coveredBy(schemaRead, 'function:app.label(app.users)')).toBe(true);
    expect(coveredBy(schemaRead, 'table:public.other')).toBe(false);
  });

  it('replaces what it covers in the previous tree', () => {
    const next = applyScopedRead(previous, read);
    expect(next.map((o) => o.key)).toEqual([
      'function:app.label(app.users)',
      'schema:app',
      'sequence:app.users_id_seq',
      'table:app.users',
      'table:public.other',
      'view:app.active',
    ]);
    expect(next.find((o) => o.key === 'table:app.users')?.definition).toBe('new definition');
  });
});

describe('expanding a scope over the previous tree', () => {
  it('asks again, by key, for everything that depended on the named objects and the sequences a named table owns', () => {
    expect(expandScope({ names: [{ name: 'users' }] }, previous)).toEqual({
      names: [{ name: 'users' }],
      keys: ['function:app.label(app.users)', 'sequence:app.users_id_seq', 'view:app.active', 'view:app.active_names'],
    });
  });

  it('keeps the search path and adds nothing for a name nothing depends on', () => {
    expect(expandScope({ names: [{ schema: 'public', name: 'other' }], searchPath: ['public'] }, previous)).toEqual({
      names: [{ schema: 'public', name: 'other' }],
      keys: [],
      searchPath: ['public'],
    });
  });

  it('names each key the way a scope would', () => {
    expect(scopeNameFor('constraint:app.users.users_pkey')).toEqual({ schema: 'app', name: 'users', kind: 'relation' });
    expect(scopeNameFor('domain:app.email')).toEqual({ schema: 'app', name: 'email', kind: 'type' });
    expect(scopeNameFor('extension:citext')).toEqual({ name: 'citext', kind: 'extension' });
    expect(scopeNameFor('default_acl:alice.tables')).toEqual({ name: '', kind: 'default_acl' });
  });
});
