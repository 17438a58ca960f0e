import { describe, expect, it } from 'vitest';
import { isPlainQuery } from './plain-query.js';
import { classifyStatement } from './prefilter.js';
import { hasLaterStatement } from './query-parts.js';

/** A Query body as the client sends it: the text and its NUL. */
function plain(text: string): boolean {
  const body = Buffer.from(`${text}\0`);
  return isPlainQuery(body, 0, body.length);
}

const PLAIN = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 1',
  '  select 1',
  '\n\tSELECT\n*\nFROM t',
  'SELECT(1)',
  'SELECT',
  'INSERT INTO t VALUES (1)',
  "update t set a = 'x' where id = 3",
  'DELETE FROM t WHERE id = 4',
  "SELECT 'café'",
  'DELETE',
  'SELECT abalance FROM pgbench_accounts WHERE aid = 1;',
  'SELECT 1; ',
  'UPDATE t SET a = 1;\n',
];

const NOT_PLAIN = [
  'SELECT 1 INTO t',
  'SELECT * INTO TEMP t FROM s',
  "SELECT 'intolerable'", // conservative: "into" anywhere in a SELECT goes the usual way
  'SELECT 1; DROP TABLE t',
  'SELECT 1;;',
  'SELECT 1; -- c',
  'SELECT 1 INTO t;',
  "INSERT INTO t VALUES (';')",
  '/* c */ SELECT 1',
  '-- c\nSELECT 1',
  'SELECTED',
  'select_x',
  'SELECT$1',
  'WITH a AS (SELECT 1) SELECT * INTO t FROM a',
  'CREATE TABLE t ()',
  'SET pggit.message = \'x\'',
  'DO $$ BEGIN END $$',
  'EXPLAIN ANALYZE SELECT 1 INTO t',
  '',
  'SELÉCT 1',
];

describe('plain queries recognised on their bytes', () => {
  it.each(PLAIN)('%j is plain, as the text classifier says', (text) => {
    expect(plain(text)).toBe(true);
    expect(classifyStatement(text)).toBe('other');
    expect(hasLaterStatement(text)).toBe(false);
  });

  it.each(NOT_PLAIN)('%j goes the usual way', (text) => {
    expect(plain(text)).toBe(false);
  });

  it('reads only its range of the chunk', () => {
    const chunk = Buffer.from('SELECT 1\0; DROP TABLE t\0');
    expect(isPlainQuery(chunk, 0, 9)).toBe(true);
    expect(isPlainQuery(chunk, 0, chunk.length)).toBe(false);
  });

  it('leaves a long text to the usual way (the byte scan would cost more than decoding it)', () => {
    expect(plain(`SELECT length('${'x'.repeat(4 * 1024)}')`)).toBe(true);
    expect(plain(`SELECT length('${'x'.repeat(64 * 1024)}')`)).toBe(false);
  });
});
