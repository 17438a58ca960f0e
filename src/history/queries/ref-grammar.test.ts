import { describe, expect, it } from 'vitest';
import { isIdPrefix, parseRef, RefSyntaxError } from './ref-grammar.js';

describe('revision grammar', () => {
  it('reads branches, HEAD and commit prefixes as a base without steps', () => {
    expect(parseRef('main')).toEqual({ text: 'main', base: 'main', steps: [] });
    expect(parseRef('HEAD')).toEqual({ text: 'HEAD', base: 'HEAD', steps: [] });
    expect(parseRef('3f9a1c2b')).toMatchObject({ base: '3f9a1c2b', steps: [] });
  });

  it('reads ~N as first parents back and ^N as the Nth parent, in order', () => {
    expect(parseRef('HEAD~3').steps).toEqual([{ op: '~', n: 3 }]);
    expect(parseRef('main~').steps).toEqual([{ op: '~', n: 1 }]);
    expect(parseRef('abcd^2~1^').steps).toEqual([
      { op: '^', n: 2 },
      { op: '~', n: 1 },
      { op: '^', n: 1 },
    ]);
  });

  it('reads BRANCH@{time} and @{time}, keeping the time text for PostgreSQL', () => {
    expect(parseRef('main@{2026-11-24 10:00}')).toEqual({ text: 'main@{2026-11-24 10:00}', base: 'main', at: '2026-11-24 10:00', steps: [] });
    expect(parseRef('@{yesterday}~1')).toMatchObject({ base: 'HEAD', at: 'yesterday', steps: [{ op: '~', n: 1 }] });
    expect(parseRef('feature/x@{2 hours ago}')).toMatchObject({ base: 'feature/x', at: '2 hours ago' });
  });

  it('rejects what is not a revision with a message that names it', () => {
    for (const bad of ['', '~1', 'main@{', 'main@{}', 'main@{x}y', 'a b']) {
      expect(() => parseRef(bad), bad).toThrow(RefSyntaxError);
    }
  });

  it('takes 4 to 64 hex digits as a possible commit id prefix', () => {
    expect(isIdPrefix('abc')).toBe(false);
    expect(isIdPrefix('ABCD')).toBe(true);
    expect(isIdPrefix('a'.repeat(64))).toBe(true);
    expect(isIdPrefix('a'.repeat(65))).toBe(false);
    expect(isIdPrefix('main')).toBe(false);
  });
});
