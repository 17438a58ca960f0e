import { describe, expect, it } from 'vitest';
import { keyMatches, ObjectNameError, parseObjectName } from './object-filter.js';

describe('log --object names', () => {
  it('folds unquoted parts to lower case and keeps quoted ones', () => {
    expect(parseObjectName('Public.Users')).toEqual({ schema: 'public', name: 'users' });
    expect(parseObjectName('"My Schema"."Big ""T"""')).toEqual({ schema: 'My Schema', name: 'Big "T"' });
    expect(parseObjectName('users')).toEqual({ name: 'users' });
    for (const bad of ['a.b.c', '.x', 'x.', '"open', '""']) expect(() => parseObjectName(bad), bad).toThrow(ObjectNameError);
  });

  it('matches the keys anchored at the object: the relation and what hangs off it by name', () => {
    const users = parseObjectName('public.users');
    expect(keyMatches('table:public.users', users)).toBe(true);
    expect(keyMatches('constraint:public.users.users_pkey', users)).toBe(true);
    expect(keyMatches('trigger:public.users.audit', users)).toBe(true);
    expect(keyMatches('table:public.users_archive', users)).toBe(false);
    expect(keyMatches('table:app.users', users)).toBe(false);
    expect(keyMatches('function:public.add(integer,integer)', parseObjectName('public.add'))).toBe(true);
    expect(keyMatches('table:"My Schema"."Big ""T"""', parseObjectName('"My Schema"."Big ""T"""'))).toBe(true);
  });

  it('matches a bare name in any schema and schema-level objects', () => {
    const name = parseObjectName('app');
    expect(keyMatches('schema:app', name)).toBe(true);
    expect(keyMatches('table:public.app', name)).toBe(true);
    expect(keyMatches('default_acl:alice.tables', name)).toBe(false);
    expect(keyMatches('not a key', name)).toBe(false);
  });
});
