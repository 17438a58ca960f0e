// The transaction tracker on statement text longer than the watcher reads:
// it sees only the start (cut), so what lies past the cut is left to a full
// catalog read, while statements wholly before the cut are handled as usual.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from './parser.js';
import { server, tracked } from './tracker-fixture.js';

beforeAll(loadParser);

describe('a Query cut at the watcher limit', () => {
  it('keeps the DDL before the cut and marks the transaction for a full read when a statement past it ran', () => {
    const { tracker, changeSets, texts } = tracked();
    tracker.query("CREATE TABLE big_t(a text); INSERT INTO big_t VALUES ('xxxx", true);
    server(tracker, 'CREATE TABLE', 'INSERT 0 1', 'CREATE INDEX', 'Z:I');
    expect(texts()).toEqual([['CREATE TABLE big_t(a text)']]);
    expect(changeSets[0]?.mayContainUnseenDdl).toBe(true);
  });

  it('a single long INSERT is not a schema change', () => {
    const { tracker, changeSets } = tracked();
    tracker.query("INSERT INTO big_t VALUES ('xxxx", true);
    server(tracker, 'INSERT 0 1', 'Z:I');
    expect(changeSets).toEqual([]);
  });

  it('a cut DDL statement is kept unparsed, so the recorder reads the whole catalog', () => {
    const { tracker, changeSets } = tracked();
    // Cut after a valid prefix: the parser would accept it and name only big_a.
    tracker.query('DROP TABLE big_a', true);
    server(tracker, 'DROP TABLE', 'Z:I');
    expect(changeSets[0]?.statements).toEqual([expect.objectContaining({ text: 'DROP TABLE big_a', unparsed: true })]);
  });

  it('a statement that starts right at the cut is unseen, not lost', () => {
    const { tracker, changeSets } = tracked();
    tracker.query('SELECT 1;', true);
    server(tracker, 'SELECT 1', 'CREATE TABLE', 'Z:I');
    expect(changeSets).toEqual([expect.objectContaining({ statements: [], mayContainUnseenDdl: true })]);
  });

  it('nothing is emitted when the cut transaction failed', () => {
    const { tracker, changeSets } = tracked();
    tracker.query("SELECT 1; INSERT INTO t VALUES ('xx", true);
    server(tracker, 'SELECT 1', '!23505', 'Z:I');
    expect(changeSets).toEqual([]);
  });
});

describe('a Parse cut at the watcher limit', () => {
  it('an unnamed DDL statement runs as unparsed', () => {
    const { tracker, changeSets } = tracked();
    tracker.parse('', 'ALTER TABLE big_a ADD COLUMN b int', true);
    tracker.bind('', '');
    tracker.execute('');
    tracker.sync();
    server(tracker, 'ALTER TABLE', 'Z:I');
    expect(changeSets[0]?.statements).toEqual([expect.objectContaining({ kind: 'ALTER TABLE', unparsed: true })]);
  });

  it('a named one too, and a cut INSERT stays data', () => {
    const { tracker, changeSets } = tracked();
    tracker.parse('s1', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1', true);
    tracker.parse('s2', "INSERT INTO t VALUES ('xx", true);
    for (const name of ['s2', 's1']) {
      tracker.bind('', name);
      tracker.execute('');
    }
    tracker.sync();
    server(tracker, 'INSERT 0 1', 'CREATE FUNCTION', 'Z:I');
    expect(changeSets).toHaveLength(1);
    expect(changeSets[0]?.statements).toEqual([expect.objectContaining({ unparsed: true })]);
  });

  it('a later whole Parse of the unnamed statement is read as usual', () => {
    const { tracker, changeSets } = tracked();
    tracker.parse('', 'DROP TABLE big_a', true);
    tracker.parse('', 'DROP TABLE big_b');
    tracker.bind('', '');
    tracker.execute('');
    tracker.sync();
    server(tracker, 'DROP TABLE', 'Z:I');
    expect(changeSets[0]?.statements).toEqual([expect.objectContaining({ text: 'DROP TABLE big_b', objects: [expect.objectContaining({ name: 'big_b' })] })]);
    expect(changeSets[0]?.statements[0]?.unparsed).toBeUndefined();
  });
});
