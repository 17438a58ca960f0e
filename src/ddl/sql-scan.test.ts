import { describe, expect, it } from 'vitest';
import { skipTrivia, statementEnd, tokenEnd } from './sql-scan.js';

const ends = (sql: string): number[] => {
  const out: number[] = [];
  for (let start = 0; start <= sql.length; ) {
    const end = statementEnd(sql, start);
    out.push(end);
    start = end + 1;
  }
  return out;
};

describe('statement boundaries', () => {
  it('splits at top-level semicolons', () => {
    expect(ends('SELECT 1; SELECT 2')).toEqual([8, 18]);
  });

  it.each([
    ["SELECT ';'; X", 10],
    ["SELECT 'it''s;'; X", 15],
    ["SELECT E'\\';'; X", 13],
    ["SELECT e'\\\\'; X", 12],
    ['SELECT ";"; X', 10],
    ['SELECT "a"";"; X', 13],
    ['SELECT $$;$$; X', 12],
    ['SELECT $a$ $$; $a$; X', 18],
    ['SELECT $a$ $b$; $a$; X', 19],
    ['SELECT $1; X', 9],
    ['SELECT a$b; X', 10],
    ['SELECT 1 -- ;\n; X', 14],
    ['SELECT 1 /* ; /* ; */ ; */; X', 26],
  ])('ignores semicolons inside quotes and comments: %j', (sql, end) => {
    expect(statementEnd(sql, 0)).toBe(end);
    expect(sql[end]).toBe(';');
  });

  it('runs to the end of the text when a quote is never closed', () => {
    expect(statementEnd("SELECT 'abc; X", 0)).toBe(14);
    expect(statementEnd('SELECT $q$ abc; X', 0)).toBe(17);
  });

  it('treats a non-E word before a quote as an ordinary string prefix', () => {
    expect(tokenEnd("X'ff'", 0)).toBe(1);
    expect(tokenEnd("E'\\''", 0)).toBe(5);
    expect(tokenEnd("'a\\'", 0)).toBe(4);
  });

  it('skips whitespace and comments only', () => {
    expect(skipTrivia('  -- x\n /* y */ z', 0)).toBe(16);
    expect(skipTrivia('- x', 0)).toBe(0);
    expect(skipTrivia('/ x', 0)).toBe(0);
  });
});
