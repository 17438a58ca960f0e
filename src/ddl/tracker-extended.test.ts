// The transaction tracker driven by the extended query protocol: statement
// names, portals, Sync boundaries, pipelining, and skipping after an error.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from './parser.js';
import { SESSION, extendedQuery, server, simpleQuery, tracked } from './tracker-fixture.js';
import { TransactionTracker } from './transaction-tracker.js';

beforeAll(loadParser);

describe('the extended protocol', () => {
  it('one Parse/Bind/Execute/Sync commits at ReadyForQuery', () => {
    const { tracker, texts } = tracked();
    extendedQuery(tracker, 'CREATE TABLE a()');
    tracker.sync();
    server(tracker, 'CREATE TABLE');
    expect(texts()).toEqual([]);
    server(tracker, 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()']]);
  });

  it('pipelined: three Syncs sent before any reply give a change set per implicit transaction', () => {
    const { tracker, texts } = tracked();
    extendedQuery(tracker, 'CREATE TABLE a()');
    tracker.sync();
    extendedQuery(tracker, 'SELECT 1');
    tracker.sync();
    extendedQuery(tracker, 'CREATE TABLE b()');
    extendedQuery(tracker, 'CREATE INDEX ON b ((1))');
    tracker.sync();
    expect(tracker.pendingRequests).toBe(7);
    server(tracker, 'CREATE TABLE', 'Z:I', 'SELECT 1', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()']]);
    server(tracker, 'CREATE TABLE', 'CREATE INDEX', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()'], ['CREATE TABLE b()', 'CREATE INDEX ON b ((1))']]);
    expect(tracker.pendingRequests).toBe(0);
  });

  it('the same unnamed statement parsed again, around a Query and a Close, is still what it is', () => {
    const { tracker, texts } = tracked();
    for (const between of ['none', 'query', 'close', 'named'] as const) {
      extendedQuery(tracker, 'CREATE TABLE a()');
      tracker.sync();
      server(tracker, 'CREATE TABLE', 'Z:I');
      if (between === 'query') simpleQuery(tracker, 'SELECT 1', 'SELECT 1', 'Z:I');
      if (between === 'close') tracker.close('S', '');
      if (between === 'named') tracker.parse('s1', 'SELECT 2');
    }
    expect(texts()).toEqual(Array.from({ length: 4 }, () => ['CREATE TABLE a()']));
    tracker.parse('', 'CREATE TABLE a()');
    expect(tracker.lastLead).toBe('ddl-candidate');
  });

  it('an extended-protocol COMMIT parsed again in the next block is offered again (commit ahead)', () => {
    const offered: string[][] = [];
    const tracker = new TransactionTracker({
      session: SESSION,
      onChangeSet: () => undefined,
      onCommitAhead: (content) => offered.push(content.statements.map((statement) => statement.text)) > 0,
    });
    // BEGIN and CREATE as named statements: the unnamed one stays COMMIT from one block to the next.
    const named = (name: string, sql: string): void => {
      tracker.parse(name, sql);
      tracker.bind('', name);
      tracker.execute('');
      tracker.sync();
    };
    for (const table of ['a', 'b']) {
      named(`begin_${table}`, 'BEGIN');
      server(tracker, 'BEGIN', 'Z:T');
      named(`create_${table}`, `CREATE TABLE ${table}()`);
      server(tracker, 'CREATE TABLE', 'Z:T');
      extendedQuery(tracker, 'COMMIT');
      tracker.sync();
      server(tracker, 'COMMIT', 'Z:I');
    }
    expect(offered).toEqual([['CREATE TABLE a()'], ['CREATE TABLE b()']]);
  });

  it('a deep pipeline (more requests than the FIFO starts with) keeps its order', () => {
    const { tracker, texts } = tracked();
    for (let i = 0; i < 100; i++) {
      extendedQuery(tracker, i % 10 === 0 ? `CREATE TABLE t${i}()` : 'SELECT 1');
      tracker.sync();
    }
    expect(tracker.pendingRequests).toBe(200);
    for (let i = 0; i < 100; i++) server(tracker, i % 10 === 0 ? 'CREATE TABLE' : 'SELECT 1', 'Z:I');
    expect(texts()).toEqual(Array.from({ length: 10 }, (_, i) => [`CREATE TABLE t${i * 10}()`]));
    expect(tracker.pendingRequests).toBe(0);
  });

  it('an error mid-pipeline rolls back its Sync group and the server skips the rest of it', () => {
    const { tracker, texts } = tracked();
    extendedQuery(tracker, 'CREATE TABLE a()');
    extendedQuery(tracker, 'SELECT 1/0');
    extendedQuery(tracker, 'CREATE TABLE b()');
    tracker.sync();
    extendedQuery(tracker, 'CREATE TABLE c()');
    tracker.sync();
    // As PostgreSQL answers: b is never executed, so it gets no reply at all.
    server(tracker, 'CREATE TABLE', '!22012', 'Z:I', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE c()']]);
  });

  it('a Parse error skips the group too', () => {
    const { tracker, changeSets } = tracked();
    extendedQuery(tracker, 'CREATE TABLE g()');
    extendedQuery(tracker, 'SELEC 1');
    tracker.sync();
    server(tracker, 'CREATE TABLE', '!42601', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('a BEGIN in a Sync group takes the statements before it into the explicit transaction', () => {
    const { tracker, changeSets } = tracked();
    extendedQuery(tracker, 'CREATE TABLE e()');
    extendedQuery(tracker, 'BEGIN');
    extendedQuery(tracker, 'CREATE TABLE f()');
    extendedQuery(tracker, 'ROLLBACK');
    tracker.sync();
    server(tracker, 'CREATE TABLE', 'BEGIN', 'CREATE TABLE', 'ROLLBACK', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('an explicit transaction spanning several Syncs', () => {
    const { tracker, texts } = tracked();
    for (const [sql, tag, status] of [
      ['BEGIN', 'BEGIN', 'Z:T'],
      ['CREATE TABLE a()', 'CREATE TABLE', 'Z:T'],
      ['SAVEPOINT s1', 'SAVEPOINT', 'Z:T'],
      ['DROP TABLE a', 'DROP TABLE', 'Z:T'],
      ['ROLLBACK TO s1', 'ROLLBACK', 'Z:T'],
      ['COMMIT', 'COMMIT', 'Z:I'],
    ] as const) {
      extendedQuery(tracker, sql);
      tracker.sync();
      server(tracker, tag, status);
    }
    expect(texts()).toEqual([['CREATE TABLE a()']]);
  });

  it('the unnamed statement is replaced by the next Parse; a bound portal keeps what it was bound to', () => {
    const { tracker, texts } = tracked();
    tracker.parse('', 'CREATE TABLE replaced()');
    tracker.parse('', 'SELECT 1');
    tracker.bind('', '');
    tracker.execute('');
    tracker.parse('', 'CREATE TABLE bound()');
    tracker.bind('', '');
    tracker.parse('', 'SELECT 2');
    tracker.execute('');
    tracker.sync();
    server(tracker, 'SELECT 1', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE bound()']]);
  });

  it('named statements and portals, executed several times', () => {
    const { tracker, texts } = tracked();
    tracker.parse('mk', 'CREATE TABLE IF NOT EXISTS t()');
    tracker.parse('sel', 'SELECT 1');
    tracker.bind('p1', 'mk');
    tracker.bind('p2', 'sel');
    tracker.execute('p2');
    tracker.execute('p1');
    tracker.sync();
    server(tracker, 'SELECT 1', 'CREATE TABLE', 'Z:I');
    tracker.bind('', 'mk');
    tracker.execute('');
    tracker.sync();
    server(tracker, 'CREATE TABLE', 'Z:I');
    tracker.close('S', 'mk');
    tracker.bind('', 'mk'); // the server would refuse: unknown statement
    tracker.execute('');
    tracker.sync();
    server(tracker, '!26000', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE IF NOT EXISTS t()'], ['CREATE TABLE IF NOT EXISTS t()']]);
  });

  it('a portal suspended by a row limit does not shift the replies that follow', () => {
    const { tracker, texts } = tracked();
    tracker.parse('', 'SELECT generate_series(1, 3)');
    tracker.bind('c', '');
    tracker.execute('c');
    tracker.execute('c');
    extendedQuery(tracker, 'CREATE TABLE after_cursor()');
    tracker.sync();
    server(tracker, '<suspended>', 'SELECT 1', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE after_cursor()']]);
  });

  it('an empty statement is answered by EmptyQueryResponse', () => {
    const { tracker, texts } = tracked();
    extendedQuery(tracker, '');
    extendedQuery(tracker, 'CREATE VIEW v AS SELECT 1');
    tracker.sync();
    server(tracker, '<empty>', 'CREATE VIEW', 'Z:I');
    expect(texts()).toEqual([['CREATE VIEW v AS SELECT 1']]);
  });

  it('a simple Query pipelined behind extended messages is matched in order', () => {
    const { tracker, texts } = tracked();
    extendedQuery(tracker, 'CREATE TABLE x()');
    tracker.sync();
    tracker.query('CREATE TABLE y(); CREATE TABLE z()');
    server(tracker, 'CREATE TABLE', 'Z:I', 'CREATE TABLE', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE x()'], ['CREATE TABLE y()', 'CREATE TABLE z()']]);
  });
});
