import { describe, expect, it } from 'vitest';
import type { ObjectKind, SchemaObject } from './model.js';
import { SchemaTree } from './tree.js';

function object(key: string, kind: ObjectKind, dependsOn: string[] = [], definition = key): SchemaObject {
  return { key, kind, schema: null, name: key, definition, dependsOn };
}

describe('a recorded schema tree', () => {
  const start = (): SchemaTree =>
    new SchemaTree([
      object('schema:app', 'schema'),
      object('table:app.users', 'table', ['schema:app', 'sequence:app.users_id_seq']),
      object('sequence:app.users_id_seq', 'sequence'),
      object('view:app.active', 'view', ['table:app.users']),
      object('view:other.users', 'view'),
      object('extension:app', 'extension'),
      object('default_acl:alice.tables', 'default_acl'),
    ]);

  it('finds what depends on a name through its indexes, and forgets edges of replaced objects', () => {
    const tree = start();
    expect(tree.expand({ names: [{ schema: 'app', name: 'users' }] }).keys).toEqual(['sequence:app.users_id_seq', 'view:app.active']);
    tree.set(object('view:app.active', 'view', []));
    expect(tree.expand({ names: [{ schema: 'app', name: 'users' }] }).keys).toEqual(['sequence:app.users_id_seq']);
    expect(tree.expand({ names: [{ name: 'users', kind: 'relation' }] }).keys).toEqual(['sequence:app.users_id_seq']);
  });

  it('covers a schema name deeply, extensions by name, default ACLs as a whole', () => {
    const tree = start();
    expect([...tree.covered({ objects: [], roots: [{ schema: null, name: 'app' }], keys: [] })].sort()).toEqual([
      'extension:app',
      'schema:app',
      'sequence:app.users_id_seq',
      'table:app.users',
      'view:app.active',
    ]);
    expect([...tree.covered({ objects: [], roots: [{ schema: null, name: 'app', kind: 'extension' }], keys: [] })]).toEqual(['extension:app']);
    expect([...tree.covered({ objects: [], roots: [{ schema: null, name: '', kind: 'default_acl' }], keys: [] })]).toEqual([
      'default_acl:alice.tables',
    ]);
  });

  it('applies a read: covered keys go, returned objects come', () => {
    const tree = start();
    tree.apply({
      objects: [object('table:app.customers', 'table', ['schema:app'])],
      roots: [{ schema: 'app', name: 'users' }, { schema: 'app', name: 'customers' }],
      keys: ['view:app.active', 'sequence:app.users_id_seq'],
    });
    expect(tree.values().map((o) => o.key)).toEqual([
      'default_acl:alice.tables',
      'extension:app',
      'schema:app',
      'table:app.customers',
      'view:other.users',
    ]);
    expect(tree.size).toBe(5);
    expect(tree.get('table:app.customers')?.dependsOn).toEqual(['schema:app']);
  });
});
