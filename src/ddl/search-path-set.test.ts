import { describe, expect, it } from 'vitest';
import { searchPathSetBy, startupSearchPath } from './search-path-set.js';
import { classifyStatement } from './prefilter.js';

describe('search_path set in SQL', () => {
  it('reads SET, SET LOCAL, TO DEFAULT and RESET into the server list syntax', () => {
    expect(searchPathSetBy('SET search_path = app, public')).toEqual({ local: false, path: '"app", "public"' });
    expect(searchPathSetBy(`set local search_path to "My App", '$user';`)).toEqual({ local: true, path: '"My App", "$user"' });
    expect(searchPathSetBy('SET SESSION search_path = App')).toEqual({ local: false, path: '"app"' });
    expect(searchPathSetBy("SET search_path = 'a, b'")).toEqual({ local: false, path: '"a, b"' });
    expect(searchPathSetBy('SET search_path TO DEFAULT')).toEqual({ local: false, path: undefined });
    expect(searchPathSetBy('RESET search_path')).toEqual({ local: false, path: undefined });
    expect(searchPathSetBy('reset all;')).toEqual({ local: false, path: undefined });
    expect(searchPathSetBy('SET search_path = app; ALTER TABLE big ADD c int')).toEqual({ local: false, path: '"app"' });
  });

  it('leaves other statements and forms it cannot read alone', () => {
    expect(searchPathSetBy('SET search_path_other = x')).toBeUndefined();
    expect(searchPathSetBy('SET statement_timeout = 5')).toBeUndefined();
    expect(searchPathSetBy("SET search_path = E'x'")).toBeUndefined();
    expect(searchPathSetBy('SELECT 1')).toBeUndefined();
    expect(searchPathSetBy('RESET search_path_x')).toBeUndefined();
  });

  it('RESET is a SET for the guard', () => {
    expect(classifyStatement('RESET search_path')).toBe('set');
    expect(classifyStatement('REINDEX TABLE t')).toBe('maintenance');
  });

  it('reads the startup parameter or options', () => {
    expect(startupSearchPath(new Map([['search_path', 'app, public']]))).toBe('app, public');
    expect(startupSearchPath(new Map([['options', '-c statement_timeout=5 -c search_path=app,public']]))).toBe('app,public');
    expect(startupSearchPath(new Map([['options', '--search_path=my\\ app']]))).toBe('my app');
    expect(startupSearchPath(new Map())).toBeUndefined();
  });
});
