// Traffic without DDL must never reach the parser. This file deliberately
// does not load it: any parse would throw.
import { describe, expect, it } from 'vitest';
import { parserLoaded } from './parser.js';
import { extendedQuery, server, simpleQuery, tracked } from './tracker-fixture.js';

describe('the tracker on traffic without DDL', () => {
  it('never parses', () => {
    expect(parserLoaded()).toBe(false);
    const { tracker, changeSets } = tracked();
    for (let i = 0; i < 1000; i++) {
      simpleQuery(tracker, 'BEGIN', 'BEGIN', 'Z:T');
      simpleQuery(tracker, 'SAVEPOINT s', 'SAVEPOINT', 'Z:T');
      simpleQuery(tracker, `UPDATE t SET a = ${i}`, 'UPDATE 1', 'Z:T');
      simpleQuery(tracker, 'ROLLBACK TO SAVEPOINT s', 'ROLLBACK', 'Z:T');
      simpleQuery(tracker, 'RELEASE s', 'RELEASE', 'Z:T');
      simpleQuery(tracker, 'SELECT 1; SELECT 2', 'SELECT 1', 'SELECT 1', 'Z:T');
      simpleQuery(tracker, 'END', 'COMMIT', 'Z:I');
      tracker.parse('q', 'SELECT * FROM t WHERE id = $1');
      tracker.bind('', 'q');
      tracker.execute('');
      extendedQuery(tracker, 'INSERT INTO t VALUES ($1)');
      tracker.sync();
      server(tracker, 'SELECT 1', 'INSERT 0 1', 'Z:I');
    }
    expect(changeSets).toEqual([]);
    expect(tracker.pendingRequests).toBe(0);
  });
});
