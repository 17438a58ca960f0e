// The transaction tracker driven by the simple Query protocol, with the exact
// replies PostgreSQL 18 sends (checked against a live server).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from './parser.js';
import { NOW, SESSION, server, simpleQuery, tracked } from './tracker-fixture.js';
import { TransactionTracker } from './transaction-tracker.js';

beforeAll(loadParser);

describe('implicit transactions', () => {
  it('a DDL statement on its own commits when ReadyForQuery says idle', () => {
    const { tracker, changeSets } = tracked();
    tracker.query('CREATE TABLE a (x int)');
    server(tracker, 'CREATE TABLE');
    expect(changeSets).toEqual([]);
    server(tracker, 'Z:I');
    expect(changeSets).toEqual([
      {
        session: SESSION,
        statements: [{ text: 'CREATE TABLE a (x int)', kind: 'CREATE TABLE', nodeType: 'CreateStmt', objects: [{ name: 'a', objtype: 'table' }] }],
        committedAt: NOW,
        mayContainUnseenDdl: false,
      },
    ]);
  });

  it('statements that change no schema give nothing', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'SELECT 1', 'SELECT 1', 'Z:I');
    simpleQuery(tracker, 'INSERT INTO t VALUES (1)', 'INSERT 0 1', 'Z:I');
    simpleQuery(tracker, 'CREATE TEMP TABLE tt (a int)', 'CREATE TABLE', 'Z:I');
    simpleQuery(tracker, 'SET search_path = s', 'SET', 'Z:I');
    expect(changeSets).toEqual([]);
    expect(tracker.pendingRequests).toBe(0);
  });

  it('a failing statement in an implicit transaction gives none', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'CREATE TABLE a (x nosuchtype)', '!42704', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('an empty query gives nothing and is answered', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, ' -- nothing', '<empty>', 'Z:I');
    expect(changeSets).toEqual([]);
    expect(tracker.pendingRequests).toBe(0);
  });
});

describe('multi-statement simple queries', () => {
  it('CREATE TABLE a(); CREATE TABLE b() gives one change set of two statements', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'CREATE TABLE a(); CREATE TABLE b()', 'CREATE TABLE', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()', 'CREATE TABLE b()']]);
  });

  it('empty statements get no reply and do not shift the others', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, ';; CREATE TABLE a();; ; SELECT 1; CREATE TABLE b();', 'CREATE TABLE', 'SELECT 1', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()', 'CREATE TABLE b()']]);
  });

  it('finds DDL after a statement that is not DDL', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, "SELECT ';'; /* ; */ CREATE TABLE t()", 'SELECT 1', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE t()']]);
  });

  it('an error aborts the whole string, statements before it included', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'CREATE TABLE a(); SELECT 1/0; CREATE TABLE b()', 'CREATE TABLE', '!22012', 'Z:I');
    simpleQuery(tracker, 'SELECT 1/0; CREATE TABLE c()', '!22012', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('a BEGIN inside the string turns the implicit transaction into an explicit one (ROLLBACK undoes everything)', () => {
    // PostgreSQL: "BEGIN converts an implicit transaction block to a regular one".
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'CREATE TABLE a(); BEGIN; CREATE TABLE b(); ROLLBACK', 'CREATE TABLE', 'BEGIN', 'CREATE TABLE', 'ROLLBACK', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('a COMMIT inside the string commits what came before it', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'CREATE TABLE c(); COMMIT; CREATE TABLE d(); SELECT 1/0', 'CREATE TABLE', 'COMMIT', 'CREATE TABLE', '!22012', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE c()']]);
  });

  it('a ROLLBACK inside the string forgets what came before it', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'CREATE TABLE e(); ROLLBACK; CREATE TABLE f()', 'CREATE TABLE', 'ROLLBACK', 'CREATE TABLE', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE f()']]);
  });

  it('a whole explicit transaction in one string', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'BEGIN; CREATE TABLE a(); SAVEPOINT s; CREATE TABLE b(); ROLLBACK TO s; COMMIT; SELECT 1',
      'BEGIN', 'CREATE TABLE', 'SAVEPOINT', 'CREATE TABLE', 'ROLLBACK', 'COMMIT', 'SELECT 1', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()']]);
  });
});

describe('explicit transactions', () => {
  it('DDL then ROLLBACK gives none', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'ROLLBACK', 'ROLLBACK', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('DDL then COMMIT (or END) gives the statements in order, at the COMMIT', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'START TRANSACTION', 'START TRANSACTION', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'SELECT 1', 'SELECT 1', 'Z:T');
    simpleQuery(tracker, 'ALTER TABLE a ADD COLUMN x int', 'ALTER TABLE', 'Z:T');
    tracker.query('END');
    server(tracker, 'COMMIT');
    expect(texts()).toEqual([['CREATE TABLE a()', 'ALTER TABLE a ADD COLUMN x int']]);
    server(tracker, 'Z:I');
    expect(texts()).toHaveLength(1);
  });

  it('ABORT is a rollback', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'DROP TABLE a', 'DROP TABLE', 'Z:T');
    simpleQuery(tracker, 'ABORT', 'ROLLBACK', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('COMMIT of a transaction aborted by an error answers ROLLBACK and gives nothing', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE h()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'SELECT 1/0', '!22012', 'Z:E');
    simpleQuery(tracker, 'CREATE TABLE i()', '!25P02', 'Z:E');
    simpleQuery(tracker, 'COMMIT', 'ROLLBACK', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('COMMIT AND CHAIN commits and carries on in a new transaction', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'COMMIT AND CHAIN', 'COMMIT', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE b()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'ROLLBACK', 'ROLLBACK', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()']]);
  });
});

describe('savepoints', () => {
  const begin = (sqlAndTags: [string, string][]) => {
    const run = tracked();
    simpleQuery(run.tracker, 'BEGIN', 'BEGIN', 'Z:T');
    for (const [sql, tag] of sqlAndTags) simpleQuery(run.tracker, sql, tag, 'Z:T');
    simpleQuery(run.tracker, 'COMMIT', 'COMMIT', 'Z:I');
    return run.texts();
  };

  it('DDL, SAVEPOINT, DDL, ROLLBACK TO, COMMIT gives only the first', () => {
    expect(begin([['CREATE TABLE a()', 'CREATE TABLE'], ['SAVEPOINT s', 'SAVEPOINT'], ['CREATE TABLE b()', 'CREATE TABLE'], ['ROLLBACK TO SAVEPOINT s', 'ROLLBACK']]))
      .toEqual([['CREATE TABLE a()']]);
  });

  it('RELEASE keeps the statements', () => {
    expect(begin([['CREATE TABLE a()', 'CREATE TABLE'], ['SAVEPOINT s', 'SAVEPOINT'], ['CREATE TABLE b()', 'CREATE TABLE'], ['RELEASE s', 'RELEASE']]))
      .toEqual([['CREATE TABLE a()', 'CREATE TABLE b()']]);
  });

  it('a savepoint taken before any DDL rolls back to nothing', () => {
    expect(begin([['SAVEPOINT s', 'SAVEPOINT'], ['CREATE TABLE a()', 'CREATE TABLE'], ['ROLLBACK TO s', 'ROLLBACK'], ['CREATE TABLE b()', 'CREATE TABLE']]))
      .toEqual([['CREATE TABLE b()']]);
  });

  it('nested savepoints and a reused name go back to the most recent one', () => {
    expect(begin([
      ['CREATE TABLE a()', 'CREATE TABLE'],
      ['SAVEPOINT s', 'SAVEPOINT'],
      ['CREATE TABLE b()', 'CREATE TABLE'],
      ['SAVEPOINT "S"', 'SAVEPOINT'],
      ['SAVEPOINT s', 'SAVEPOINT'],
      ['CREATE TABLE c()', 'CREATE TABLE'],
      ['ROLLBACK TO s', 'ROLLBACK'], // the second s: c goes
      ['CREATE TABLE d()', 'CREATE TABLE'],
      ['RELEASE s', 'RELEASE'], // the second s
      ['ROLLBACK TO "S"', 'ROLLBACK'], // d goes
      ['ROLLBACK TO s', 'ROLLBACK'], // the first s: b goes
      ['CREATE TABLE e()', 'CREATE TABLE'],
    ])).toEqual([['CREATE TABLE a()', 'CREATE TABLE e()']]);
  });

  it('ROLLBACK TO SAVEPOINT recovers a transaction aborted by an error', () => {
    const { tracker, texts } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'SAVEPOINT s', 'SAVEPOINT', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE b()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE a()', '!42P07', 'Z:E');
    simpleQuery(tracker, 'ROLLBACK TO SAVEPOINT s', 'ROLLBACK', 'Z:T');
    simpleQuery(tracker, 'COMMIT', 'COMMIT', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE a()']]);
  });
});

describe('session identity', () => {
  it('change sets carry the backend pid once it is known', () => {
    const { tracker, changeSets } = tracked();
    tracker.setBackendPid(4242);
    simpleQuery(tracker, 'CREATE SCHEMA s', 'CREATE SCHEMA', 'Z:I');
    expect(changeSets[0]?.session).toEqual({ ...SESSION, backendPid: 4242 });
  });
});

describe('commit message (SET LOCAL pggit.message)', () => {
  it('is read from any statement of a one-Query transaction', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, "BEGIN; SET LOCAL pggit.message = 'x'; CREATE TABLE t (); COMMIT", 'BEGIN', 'SET', 'CREATE TABLE', 'COMMIT', 'Z:I');
    expect(changeSets.map((changeSet) => changeSet.message)).toEqual(['x']);
  });

  it('is read from statements sent one by one, and ends with its transaction', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, "SET LOCAL pggit.message = 'named'", 'SET', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE t ()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'COMMIT', 'COMMIT', 'Z:I');
    simpleQuery(tracker, 'CREATE TABLE u ()', 'CREATE TABLE', 'Z:I');
    expect(changeSets.map((changeSet) => changeSet.message)).toEqual(['named', undefined]);
  });

  it('is forgotten when its transaction rolls back', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, "BEGIN; SET LOCAL pggit.message = 'gone'", 'BEGIN', 'SET', 'Z:T');
    simpleQuery(tracker, 'ROLLBACK', 'ROLLBACK', 'Z:I');
    simpleQuery(tracker, 'CREATE TABLE t ()', 'CREATE TABLE', 'Z:I');
    expect(changeSets.map((changeSet) => changeSet.message)).toEqual([undefined]);
  });
});

describe('pggit settings and savepoints (ROLLBACK TO undoes a SET, as in PostgreSQL)', () => {
  it('a message set after the savepoint is undone; the one before it stays', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, "BEGIN; SET LOCAL pggit.message = 'kept'; CREATE TABLE t (); SAVEPOINT s", 'BEGIN', 'SET', 'CREATE TABLE', 'SAVEPOINT', 'Z:T');
    simpleQuery(tracker, "SET LOCAL pggit.message = 'undone'", 'SET', 'Z:T');
    simpleQuery(tracker, 'ROLLBACK TO SAVEPOINT s', 'ROLLBACK', 'Z:T');
    simpleQuery(tracker, 'COMMIT', 'COMMIT', 'Z:I');
    expect(changeSets.map((changeSet) => changeSet.message)).toEqual(['kept']);
  });

  it('a savepoint taken before anything happened undoes the message and the allowance', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, 'BEGIN; SAVEPOINT s', 'BEGIN', 'SAVEPOINT', 'Z:T');
    simpleQuery(tracker, "SET LOCAL pggit.message = 'undone'; SET LOCAL pggit.allow = 'TABLE_REWRITE'", 'SET', 'SET', 'Z:T');
    simpleQuery(tracker, 'ROLLBACK TO s; CREATE TABLE t (); COMMIT', 'ROLLBACK', 'CREATE TABLE', 'COMMIT', 'Z:I');
    expect(changeSets.map(({ message, allowedHazards }) => ({ message, allowedHazards }))).toEqual([{ message: undefined, allowedHazards: undefined }]);
  });

  it('RELEASE keeps what was set after the savepoint; an error rolled back to a savepoint keeps what came before', () => {
    const { tracker, changeSets } = tracked();
    simpleQuery(tracker, "BEGIN; SAVEPOINT s; SET LOCAL pggit.message = 'released'; RELEASE s", 'BEGIN', 'SAVEPOINT', 'SET', 'RELEASE', 'Z:T');
    simpleQuery(tracker, "SAVEPOINT u; SET LOCAL pggit.allow = 'DELETES_DATA'", 'SAVEPOINT', 'SET', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE t (x nosuchtype)', '!42704', 'Z:E');
    simpleQuery(tracker, 'ROLLBACK TO u; CREATE TABLE t (); COMMIT', 'ROLLBACK', 'CREATE TABLE', 'COMMIT', 'Z:I');
    expect(changeSets.map(({ message, allowedHazards }) => ({ message, allowedHazards }))).toEqual([{ message: 'released', allowedHazards: undefined }]);
  });
});

describe('DDL in flight (for reconciliation)', () => {
  function watched(): { tracker: TransactionTracker; events: boolean[] } {
    const events: boolean[] = [];
    const tracker = new TransactionTracker({ session: SESSION, onChangeSet: () => undefined, onDdlInFlight: (inFlight) => events.push(inFlight) });
    return { tracker, events };
  }

  it('begins when a statement that may be DDL is sent and ends with its transaction', () => {
    const { tracker, events } = watched();
    simpleQuery(tracker, 'SELECT 1', 'SELECT 1', 'Z:I');
    simpleQuery(tracker, 'SELECT 1;', 'SELECT 1', 'Z:I');
    simpleQuery(tracker, "SET application_name = 'x'; SELECT 1", 'SET', 'SELECT 1', 'Z:I');
    expect(events).toEqual([]);
    tracker.query('CREATE TABLE t ()');
    expect(events).toEqual([true]);
    server(tracker, 'CREATE TABLE', 'Z:I');
    expect(events).toEqual([true, false]);
  });

  it('stays on while a block that ran DDL is open, and is on for a later statement of a Query', () => {
    const { tracker, events } = watched();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'ALTER TABLE t ADD c int', 'ALTER TABLE', 'Z:T');
    simpleQuery(tracker, 'SELECT 1', 'SELECT 1', 'Z:T');
    expect(events).toEqual([true]);
    simpleQuery(tracker, 'COMMIT', 'COMMIT', 'Z:I');
    expect(events).toEqual([true, false]);
    tracker.query('SET search_path = app; CREATE TABLE t ()');
    server(tracker, 'SET', 'CREATE TABLE', 'Z:I');
    expect(events).toEqual([true, false, true, false]);
  });

  it('a Query known plain from its bytes counts like its text: pending, and in flight inside a block with DDL', () => {
    const { tracker, events } = watched();
    tracker.plainQuery();
    expect(tracker.pendingRequests).toBe(1);
    server(tracker, 'SELECT 1', 'Z:I');
    expect(events).toEqual([]);
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'ALTER TABLE t ADD c int', 'ALTER TABLE', 'Z:T');
    server(tracker, 'Z:T');
    tracker.plainQuery();
    expect(tracker.lastLead).toBe('other');
    server(tracker, 'UPDATE 3', 'Z:T');
    expect(events).toEqual([true]);
    simpleQuery(tracker, 'COMMIT', 'COMMIT', 'Z:I');
    expect(events).toEqual([true, false]);
    expect(tracker.pendingRequests).toBe(0);
  });

  it('ends with a block whose DDL failed, once it rolled back', () => {
    const { tracker, events } = watched();
    simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE t ()', 'CREATE TABLE', 'Z:T');
    simpleQuery(tracker, 'CREATE TABLE t ()', '!42P07', 'Z:E');
    expect(events).toEqual([true]);
    simpleQuery(tracker, 'ROLLBACK', 'ROLLBACK', 'Z:I');
    expect(events).toEqual([true, false]);
  });
});
