import { describe, expect, it } from 'vitest';
import { COMMAND_LABELS, commandOfTag } from './command-tag.js';

/** A CommandComplete body as the server sends it: the tag and a NUL. */
function body(tag: string): Buffer {
  return Buffer.from(`${tag}\0`, 'latin1');
}

function label(tag: Buffer): string {
  return COMMAND_LABELS[commandOfTag(tag)]!;
}

describe('command label of a CommandComplete tag', () => {
  it.each([
    ['SELECT 5', 'SELECT'],
    ['SELECT 0', 'SELECT'],
    ['INSERT 0 1', 'INSERT'],
    ['UPDATE 12', 'UPDATE'],
    ['DELETE 0', 'DELETE'],
    ['MERGE 3', 'MERGE'],
    ['COPY 100000', 'COPY'],
    ['FETCH 10', 'FETCH'],
    ['MOVE 1', 'MOVE'],
    ['BEGIN', 'BEGIN'],
    ['START TRANSACTION', 'BEGIN'],
    ['COMMIT', 'COMMIT'],
    ['COMMIT PREPARED', 'COMMIT'],
    ['ROLLBACK', 'ROLLBACK'],
    ['ROLLBACK PREPARED', 'ROLLBACK'],
    ['SAVEPOINT', 'SAVEPOINT'],
    ['RELEASE', 'RELEASE'],
    ['PREPARE', 'PREPARE'],
    ['PREPARE TRANSACTION', 'PREPARE'],
    ['DEALLOCATE ALL', 'DEALLOCATE'],
    ['DECLARE CURSOR', 'DECLARE'],
    ['CLOSE CURSOR ALL', 'CLOSE'],
    ['SET', 'SET'],
    ['SET CONSTRAINTS', 'SET'],
    ['RESET', 'RESET'],
    ['SHOW', 'SHOW'],
    ['CALL', 'CALL'],
    ['DO', 'DO'],
    ['LOCK TABLE', 'LOCK'],
    ['TRUNCATE TABLE', 'TRUNCATE'],
    ['LISTEN', 'LISTEN'],
    ['UNLISTEN', 'UNLISTEN'],
    ['NOTIFY', 'NOTIFY'],
    ['DISCARD ALL', 'DISCARD'],
    ['EXPLAIN', 'EXPLAIN'],
    ['VACUUM', 'VACUUM'],
    ['ANALYZE', 'ANALYZE'],
    ['CREATE TABLE', 'DDL'],
    ['CREATE INDEX', 'DDL'],
    ['ALTER TABLE', 'DDL'],
    ['ALTER DEFAULT PRIVILEGES', 'DDL'],
    ['DROP FUNCTION', 'DDL'],
    ['COMMENT', 'DDL'],
    ['GRANT', 'DDL'],
    ['REVOKE ROLE', 'DDL'],
    ['SECURITY LABEL', 'DDL'],
    ['IMPORT FOREIGN SCHEMA', 'DDL'],
    ['CHECKPOINT', 'OTHER'],
    ['REINDEX', 'OTHER'],
    ['REFRESH MATERIALIZED VIEW', 'OTHER'],
    ['CLUSTER', 'OTHER'],
  ])('%s → %s', (tag, expected) => {
    expect(label(body(tag))).toBe(expected);
  });

  it('needs the whole first word, not a prefix of it', () => {
    expect(label(body('SELECTED 1'))).toBe('OTHER');
    expect(label(body('SE'))).toBe('OTHER');
    expect(label(body('DOX'))).toBe('OTHER');
    expect(label(body('CREATED'))).toBe('OTHER');
  });

  it('is case-sensitive, as tags are upper case', () => {
    expect(label(body('select 1'))).toBe('OTHER');
  });

  it('reads an empty tag, a missing NUL and a view into a bigger chunk', () => {
    expect(label(Buffer.alloc(0))).toBe('OTHER');
    expect(label(body(''))).toBe('OTHER');
    expect(label(Buffer.from('INSERT 0 1', 'latin1'))).toBe('INSERT');
    const chunk = Buffer.from('xxxxC\0\0\0\x0dUPDATE 7\0Z\0\0\0\x05I', 'latin1');
    expect(label(chunk.subarray(9, 18))).toBe('UPDATE');
  });

  it('keeps the label set small and free of duplicates', () => {
    expect(new Set(COMMAND_LABELS).size).toBe(COMMAND_LABELS.length);
    expect(COMMAND_LABELS.length).toBeLessThan(40);
  });

  it('reads a tag given as a range of a chunk, up to the range end only', () => {
    const chunk = Buffer.from('..SELECT 1\0INSERT 0 1\0', 'latin1');
    expect(COMMAND_LABELS[commandOfTag(chunk, 2, 11)]).toBe('SELECT');
    expect(COMMAND_LABELS[commandOfTag(chunk, 11, 22)]).toBe('INSERT');
    // A range ending inside a word is not that word.
    expect(COMMAND_LABELS[commandOfTag(chunk, 2, 6)]).toBe('OTHER');
    expect(COMMAND_LABELS[commandOfTag(chunk, 2, 2)]).toBe('OTHER');
  });
});
