// The transaction tracker on two-phase commit, statements that run outside a
// transaction block, and DO / CALL.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from './parser.js';
import { PreparedTransactions } from './prepared-transactions.js';
import { extendedQuery, NOW, SESSION, server, simpleQuery, tracked } from './tracker-fixture.js';

beforeAll(loadParser);

describe('two-phase commit', () => {
  const BOB = { ...SESSION, user: 'bob', clientAddress: '10.0.0.8' };

  it('PREPARE TRANSACTION holds the change set; COMMIT PREPARED in another session releases it with the original session', () => {
    const registry = new PreparedTransactions();
    const alice = tracked(registry);
    const bob = tracked(registry, BOB);
    alice.tracker.setBackendPid(101);
    simpleQuery(alice.tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(alice.tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    simpleQuery(alice.tracker, "PREPARE TRANSACTION 'g1'", 'PREPARE TRANSACTION', 'Z:I');
    expect(alice.changeSets).toEqual([]);
    expect(registry.has('g1')).toBe(true);
    simpleQuery(bob.tracker, "COMMIT PREPARED 'g1'", 'COMMIT PREPARED', 'Z:I');
    expect(alice.changeSets).toEqual([]);
    expect(bob.changeSets).toEqual([
      {
        session: { ...SESSION, backendPid: 101 },
        statements: [expect.objectContaining({ text: 'CREATE TABLE a()' })],
        committedAt: NOW,
        mayContainUnseenDdl: false,
        preparedGid: 'g1',
      },
    ]);
    expect(registry.size).toBe(0);
  });

  it('the message and the guard allowance of a prepared transaction reach the change set of COMMIT PREPARED', () => {
    const registry = new PreparedTransactions();
    const alice = tracked(registry);
    const bob = tracked(registry, BOB);
    simpleQuery(alice.tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(alice.tracker, "SET LOCAL pggit.allow = 'DELETES_DATA'", 'SET', 'Z:T');
    simpleQuery(alice.tracker, "SET LOCAL pggit.message = 'drop the old one'", 'SET', 'Z:T');
    simpleQuery(alice.tracker, 'DROP TABLE old_one', 'DROP TABLE', 'Z:T');
    simpleQuery(alice.tracker, "PREPARE TRANSACTION 'g3'", 'PREPARE TRANSACTION', 'Z:I');
    simpleQuery(bob.tracker, "COMMIT PREPARED 'g3'", 'COMMIT PREPARED', 'Z:I');
    expect(bob.changeSets).toEqual([expect.objectContaining({ preparedGid: 'g3', message: 'drop the old one', allowedHazards: ['DELETES_DATA'] })]);
  });

  it('ROLLBACK PREPARED drops it', () => {
    const registry = new PreparedTransactions();
    const alice = tracked(registry);
    const bob = tracked(registry, BOB);
    simpleQuery(alice.tracker, "BEGIN; CREATE TABLE x6(); PREPARE TRANSACTION 'g2'", 'BEGIN', 'CREATE TABLE', 'PREPARE TRANSACTION', 'Z:I');
    simpleQuery(bob.tracker, "ROLLBACK PREPARED 'g2'", 'ROLLBACK PREPARED', 'Z:I');
    expect([...alice.changeSets, ...bob.changeSets]).toEqual([]);
    expect(registry.size).toBe(0);
  });

  it('PREPARE TRANSACTION of an aborted transaction answers ROLLBACK and holds nothing', () => {
    const registry = new PreparedTransactions();
    const { tracker } = tracked(registry);
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'SELECT 1/0', '!22012', 'Z:E');
    simpleQuery(tracker, "PREPARE TRANSACTION 'zz'", 'ROLLBACK', 'Z:I');
    expect(registry.size).toBe(0);
  });

  it('in an implicit multi-statement string, PREPARE takes what came before and the rest commits on its own', () => {
    const registry = new PreparedTransactions();
    const { tracker, texts } = tracked(registry);
    simpleQuery(tracker, "CREATE TABLE g(); PREPARE TRANSACTION 'x'; CREATE TABLE h()", 'CREATE TABLE', 'PREPARE TRANSACTION', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE h()']]);
    expect(registry.take('x')?.statements.map((statement) => statement.text)).toEqual(['CREATE TABLE g()']);
  });

  it('a prepared transaction without DDL commits to nothing', () => {
    const registry = new PreparedTransactions();
    const { tracker, changeSets } = tracked(registry);
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, "PREPARE TRANSACTION 'g'", 'PREPARE TRANSACTION', 'Z:I');
    simpleQuery(tracker, "COMMIT PREPARED 'g'", 'COMMIT PREPARED', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('COMMIT PREPARED of a transaction this process never saw may contain unseen DDL', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, "COMMIT PREPARED 'elsewhere'", 'COMMIT PREPARED', 'Z:I');
    expect(changeSets).toEqual([{ session: SESSION, statements: [], committedAt: NOW, mayContainUnseenDdl: true, preparedGid: 'elsewhere' }]);
  });
});

describe('statements that cannot run in a transaction block', () => {
  it('CREATE INDEX CONCURRENTLY commits on its own, at its CommandComplete', () => {
    const { tracker, changeSets } = tracked();
    tracker.query('CREATE INDEX CONCURRENTLY i ON t (a)');
    server(tracker, 'CREATE INDEX');
    expect(changeSets.map((changeSet) => changeSet.statements)).toEqual([
      [expect.objectContaining({ kind: 'CREATE INDEX', concurrently: true, noTransactionBlock: true })],
    ]);
    server(tracker, 'Z:I');
    expect(changeSets).toHaveLength(1);
  });

  it('stays committed when a later statement of the same pipeline fails', () => {
    const { tracker, texts } = tracked();
    extendedQuery(tracker, 'CREATE INDEX CONCURRENTLY i1 ON x1 (a)');
    extendedQuery(tracker, 'SELECT 1/0');
    tracker.sync();
    server(tracker, 'CREATE INDEX', '!22012', 'Z:I');
    expect(texts()).toEqual([['CREATE INDEX CONCURRENTLY i1 ON x1 (a)']]);
  });

  it('refused inside a transaction block, it gives nothing', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'DROP INDEX CONCURRENTLY i', '!25001', 'Z:E');
    simpleQuery(tracker, 'ROLLBACK', 'ROLLBACK', 'Z:I');
    simpleQuery(tracker, 'CREATE TABLE d(); CREATE INDEX CONCURRENTLY i2 ON x1 (a)', 'CREATE TABLE', '!25001', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('failing half-way (an invalid index may be left behind), it flags unseen DDL', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'CREATE UNIQUE INDEX CONCURRENTLY u ON t (a)', '!23505', 'Z:I');
    expect(changeSets).toEqual([{ session: SESSION, statements: [], committedAt: NOW, mayContainUnseenDdl: true }]);
  });
});

describe('DO and CALL', () => {
  it('a committed DO block gives a change set that may contain unseen DDL', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, "DO $$ BEGIN EXECUTE 'CREATE TABLE hidden()'; END $$", 'DO', 'Z:I');
    expect(changeSets).toEqual([{ session: SESSION, statements: [], committedAt: NOW, mayContainUnseenDdl: true }]);
  });

  it('CALL in a transaction with DDL flags that transaction', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    extendedQuery(tracker, 'CALL migrate()');
    tracker.sync();
    server(tracker, 'CALL', 'Z:T');
    simpleQuery(tracker, 'COMMIT', 'COMMIT', 'Z:I');
    expect(changeSets).toEqual([
      { session: SESSION, statements: [expect.objectContaining({ text: 'CREATE TABLE a()' })], committedAt: NOW, mayContainUnseenDdl: true },
    ]);
  });

  it('a DO block that is rolled back or fails gives nothing', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN; DO $$ BEGIN END $$; ROLLBACK', 'BEGIN', 'DO', 'ROLLBACK', 'Z:I');
    simpleQuery(tracker, "DO $$ BEGIN RAISE 'no'; END $$", '!P0001', 'Z:I');
    expect(changeSets).toEqual([]);
  });
});
