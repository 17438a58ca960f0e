import { describe, expect, it } from 'vitest';
import { applyRead, applyScopedRead, coveredBy, expandScope, scopeNameFor } from './coverage.js';
import { diffObjects } from './diff.js';
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

describe('a chain of reads applied one after the other (the recorder)', () => {
  // Reads that add, change, keep and drop objects, each applied to the tree the last one left.
  const reads: ScopedRead[] = [
    { objects: [object('table:app.users', 'table', ['schema:app'], 'users v2'), object('constraint:app.users.users_pkey', 'constraint', ['table:app.users'])], roots: [{ schema: 'app', name: 'users' }], keys: [] },
    { objects: [object('table:app.orders', 'table', ['schema:app', 'table:app.users'])], roots: [{ schema: 'app', name: 'orders' }], keys: [] },
    { objects: [], roots: [{ schema: 'app', name: 'users' }], keys: ['view:app.active', 'view:app.active_names', 'function:app.label(app.users)'] },
    { objects: [object('schema:app', 'schema', [], 'schema v2')], roots: [{ schema: null, name: 'app', kind: 'schema' }], keys: [] },
  ];

  it('gives the changes a diff of the two trees gives, and an index that expands scopes as a fresh one does', () => {
    let tree: readonly (typeof previous)[number][] = previous.map((o) => ({ ...o }));
    expandScope({ names: [{ name: 'users' }] }, tree); // indexes the first tree
    for (const read of reads) {
      const { next, changed } = applyRead(tree, read);
      const diff = diffObjects(tree, next);
      const expected = new Map<string, string | null>([...diff.added, ...diff.changed.map((c) => c.after)].map((o) => [o.key, o.definition]));
      for (const o of diff.removed) expected.set(o.key, null);
      expect(new Map([...changed].map(([key, o]) => [key, o === null ? null : o.definition]))).toEqual(expected);
      expect(next).toEqual(applyScopedRead(tree, read));
      for (const name of ['users', 'orders', 'app', 'active']) {
        const scope = { names: [{ name }] };
        expect(expandScope(scope, next)).toEqual(expandScope(scope, next.map((o) => ({ ...o }))));
      }
      tree = next;
    }
    expect(tree.map((o) => o.key)).toEqual(['schema:app', 'table:public.other', 'extension:citext'].sort());
  });

  it('applies the same read to the same tree once', () => {
    const read = reads[0]!;
    expect(applyRead(previous, read)).toBe(applyRead(previous, read));
    // The tree it left from is indexed again when asked: still right.
    expect(expandScope({ names: [{ name: 'users' }] }, previous).keys).toContain('view:app.active');
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
