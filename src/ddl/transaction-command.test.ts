import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from './parser.js';
import { readTransactionCommand } from './transaction-command.js';

beforeAll(loadParser);

describe('reading transaction control', () => {
  it.each([
    ['BEGIN', { kind: 'begin' }],
    ['begin work isolation level serializable', { kind: 'begin' }],
    ['START TRANSACTION READ ONLY', { kind: 'begin' }],
    ['COMMIT', { kind: 'commit' }],
    ['commit and chain', { kind: 'commit' }],
    ['END TRANSACTION', { kind: 'commit' }],
    ['ROLLBACK', { kind: 'rollback' }],
    ['ABORT WORK', { kind: 'rollback' }],
    ['ROLLBACK AND NO CHAIN', { kind: 'rollback' }],
    ['SAVEPOINT Sp1', { kind: 'savepoint', name: 'sp1' }],
    ['SAVEPOINT "Sp ""1"""', { kind: 'savepoint', name: 'Sp "1"' }],
    ['RELEASE sp1', { kind: 'release', name: 'sp1' }],
    ['RELEASE SAVEPOINT sp1;', { kind: 'release', name: 'sp1' }],
    ['ROLLBACK TO sp1', { kind: 'rollback-to', name: 'sp1' }],
    ['rollback work to savepoint SP1 -- why', { kind: 'rollback-to', name: 'sp1' }],
    ["PREPARE TRANSACTION 'g1'", { kind: 'prepare', gid: 'g1' }],
    ["PREPARE TRANSACTION 'it''s'", { kind: 'prepare', gid: "it's" }],
    ["COMMIT PREPARED 'g1'", { kind: 'commit-prepared', gid: 'g1' }],
    ["ROLLBACK PREPARED 'g1'", { kind: 'rollback-prepared', gid: 'g1' }],
    ['/* c */ SAVEPOINT s', { kind: 'savepoint', name: 's' }],
  ])('%s', (sql, expected) => {
    expect(readTransactionCommand(sql)).toEqual(expected);
  });

  it.each([
    ["PREPARE TRANSACTION E'g\\'1'", { kind: 'prepare', gid: "g'1" }],
    ['SAVEPOINT U&"d\\0061t"', { kind: 'savepoint', name: 'dat' }],
    ['RELEASE SAVEPOINT', { kind: 'release', name: 'savepoint' }],
    ['ROLLBACK TO savepoint', { kind: 'rollback-to', name: 'savepoint' }],
    ['SAVEPOINT Ärger', { kind: 'savepoint', name: 'Ärger' }],
  ])('falls back to the parser for %s', (sql, expected) => {
    expect(readTransactionCommand(sql)).toEqual(expected);
  });

  it('reads the statement at an offset', () => {
    const sql = 'CREATE TABLE a(); SAVEPOINT x';
    expect(readTransactionCommand(sql, sql.indexOf(';') + 1)).toEqual({ kind: 'savepoint', name: 'x' });
  });

  it('is undefined for anything else', () => {
    expect(readTransactionCommand('SELECT 1')).toBeUndefined();
    expect(readTransactionCommand('PREPARE p AS SELECT 1')).toBeUndefined();
  });
});
