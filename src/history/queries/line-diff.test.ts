import { describe, expect, it } from 'vitest';
import { lineDiff } from './line-diff.js';

describe('line diff of definitions', () => {
  it('is empty for equal texts', () => {
    expect(lineDiff('a\nb', 'a\nb')).toEqual([]);
  });

  it('shows an added column as one + line with its context', () => {
    const before = 'CREATE TABLE public.t (\n    id integer,\n    name text\n);';
    const after = 'CREATE TABLE public.t (\n    id integer,\n    name text,\n    note text\n);';
    expect(lineDiff(before, after)).toEqual([
      '@@ -1,4 +1,5 @@',
      ' CREATE TABLE public.t (',
      '     id integer,',
      '-    name text',
      '+    name text,',
      '+    note text',
      ' );',
    ]);
  });

  it('cuts far-apart changes into separate hunks with numbered ranges', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...before];
    after[1] = 'changed 2';
    after[17] = 'changed 18';
    const diff = lineDiff(before.join('\n'), after.join('\n'), 1);
    expect(diff.filter((line) => line.startsWith('@@'))).toEqual(['@@ -1,3 +1,3 @@', '@@ -17,3 +17,3 @@']);
  });

  it('handles texts that only grow or only shrink', () => {
    expect(lineDiff('', 'x')).toEqual(['@@ -1 +1 @@', '-', '+x']);
    expect(lineDiff('a\nb', 'a')).toEqual(['@@ -1,2 +1 @@', ' a', '-b']);
  });
});
