import { describe, expect, it } from 'vitest';
import { anchorOf, KeyError, parseKey, schemaOfKey } from './object-key.js';

describe('object keys', () => {
  it('split into kind, unquoted identifiers and argument list', () => {
    expect(parseKey('table:public.users')).toEqual({ kind: 'table', parts: ['public', 'users'] });
    expect(parseKey('schema:app')).toEqual({ kind: 'schema', parts: ['app'] });
    expect(parseKey('constraint:public.orders.orders_user_fk')).toEqual({ kind: 'constraint', parts: ['public', 'orders', 'orders_user_fk'] });
    expect(parseKey('function:public.add(integer,integer)')).toEqual({ kind: 'function', parts: ['public', 'add'], args: '(integer,integer)' });
    expect(parseKey('function:public.now_utc()')).toEqual({ kind: 'function', parts: ['public', 'now_utc'], args: '()' });
  });

  it('read quoted identifiers with dots, parentheses and doubled quotes in them', () => {
    expect(parseKey('table:"Sales Team"."a.b"')).toEqual({ kind: 'table', parts: ['Sales Team', 'a.b'] });
    expect(parseKey('function:"user"."Total (of)"(integer,text)')).toEqual({
      kind: 'function',
      parts: ['user', 'Total (of)'],
      args: '(integer,text)',
    });
    expect(parseKey('trigger:public."say ""hi"""."T"')).toEqual({ kind: 'trigger', parts: ['public', 'say "hi"', 'T'] });
  });

  it('refuse what is not a key', () => {
    expect(() => parseKey('users')).toThrow(KeyError);
    expect(() => parseKey('tabel:public.users')).toThrow(KeyError);
    expect(() => parseKey('table:public."users')).toThrow(KeyError);
    expect(() => parseKey('table:public..users')).toThrow(KeyError);
  });

  it('anchor an object at the name a statement would use for it', () => {
    expect(anchorOf('table:public.users')).toEqual({ schema: 'public', name: 'users' });
    expect(anchorOf('constraint:public.orders.orders_user_fk')).toEqual({ schema: 'public', name: 'orders' });
    expect(anchorOf('policy:app.docs.tenant')).toEqual({ schema: 'app', name: 'docs' });
    expect(anchorOf('function:public.add(integer,integer)')).toEqual({ schema: 'public', name: 'add' });
    expect(anchorOf('extension:pgcrypto')).toEqual({ schema: null, name: 'pgcrypto' });
    expect(anchorOf('schema:app')).toEqual({ schema: null, name: 'app' });
    expect(anchorOf('default_acl:alice.app.tables')).toBeNull();
  });

  it('know the schema a key lives in', () => {
    expect(schemaOfKey('schema:app')).toBe('app');
    expect(schemaOfKey('index:app.i')).toBe('app');
    expect(schemaOfKey('extension:citext')).toBeNull();
    expect(schemaOfKey('default_acl:alice.app.tables')).toBe('app');
    expect(schemaOfKey('default_acl:alice.tables')).toBeNull();
  });
});
