import { describe, expect, it } from 'vitest';
import { classifyLead, mayBeDdl } from './prefilter.js';

describe('the pre-filter', () => {
  it.each([
    'SELECT 1',
    'select * from t where a = $1',
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1',
    'DELETE FROM t',
    'VALUES (1), (2)',
    'TABLE t',
    'FETCH 10 FROM c',
    'MOVE NEXT IN c',
    'EXECUTE p(1)',
    'SET search_path = a',
    'RESET ALL',
    'SHOW work_mem',
    'COPY t FROM STDIN',
    'LISTEN ch',
    'NOTIFY ch',
    'UNLISTEN *',
    'PREPARE p AS SELECT 1',
    'DEALLOCATE ALL',
    'DISCARD ALL',
    'EXPLAIN SELECT 1',
    'EXPLAIN ANALYZE INSERT INTO t VALUES (1)',
    'VACUUM t',
    'ANALYZE t',
    'CHECKPOINT',
    'LOCK TABLE t',
    'CLOSE c',
    'DECLARE c CURSOR FOR SELECT 1',
    'MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE',
    'REFRESH MATERIALIZED VIEW m',
    'CLUSTER t',
    'REINDEX TABLE t',
    'LOAD \'x\'',
    'TRUNCATE t',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x',
    'WITH x AS (SELECT 1) MERGE INTO t USING x ON true WHEN MATCHED THEN DELETE',
    "SELECT 'into' FROM t",
    'SELECT "into" FROM t',
    'SELECT into_count FROM t',
    'SELECT $$ INTO $$',
    'SELECT $tag$ it is INTO here $tag$',
    "SELECT E'\\' INTO x'",
    'SELECT 1 /* INTO t */',
    'SELECT 1 -- INTO t',
    'SELECT 1; SELECT 2 INTO t',
    '',
    '   ',
    '-- only a comment',
    '42',
  ])('lets %j through without a parse', (sql) => {
    expect(classifyLead(sql)).not.toBe('ddl-candidate');
    expect(mayBeDdl(sql)).toBe(false);
  });

  it.each([
    'CREATE TABLE t (a int)',
    'create table t()',
    'Create Index i ON t(a)',
    'ALTER TABLE t ADD COLUMN b int',
    'DROP TABLE t',
    "COMMENT ON TABLE t IS 'x'",
    'GRANT SELECT ON t TO bob',
    'REVOKE SELECT ON t FROM bob',
    "SECURITY LABEL ON TABLE t IS 'x'",
    'IMPORT FOREIGN SCHEMA s FROM SERVER srv INTO public',
    'REASSIGN OWNED BY a TO b',
    'SELECT * INTO t FROM s',
    'select 1 as a into t',
    'WITH x AS (SELECT 1) SELECT * INTO t FROM x',
    '(SELECT 1 INTO t)',
    'EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1',
    'EXPLAIN (ANALYZE) SELECT 1 INTO t',
  ])('sends %j to the parser', (sql) => {
    expect(classifyLead(sql)).toBe('ddl-candidate');
  });

  it('skips whitespace, line comments, nested block comments and parentheses', () => {
    expect(classifyLead('  \n\t-- leading\nCREATE TABLE t()')).toBe('ddl-candidate');
    expect(classifyLead('/* a /* nested */ still comment SELECT */ CREATE TABLE t()')).toBe('ddl-candidate');
    expect(classifyLead('/* a /* nested */ SELECT */ DROP TABLE t')).toBe('ddl-candidate');
    expect(classifyLead('/* CREATE */ SELECT 1')).toBe('other');
    expect(classifyLead('-- CREATE TABLE\nSELECT 1')).toBe('other');
    expect(classifyLead('((  (SELECT 1)))')).toBe('other');
    expect(classifyLead('( /* c */ ( CREATE')).toBe('ddl-candidate');
  });

  it('skips empty statements before the first one, as the server does', () => {
    expect(classifyLead(';; -- nothing\n; CREATE TABLE t()')).toBe('ddl-candidate');
    expect(classifyLead('; BEGIN')).toBe('transaction');
  });

  it('an unterminated comment is not DDL', () => {
    expect(classifyLead('/* CREATE TABLE t()')).toBe('other');
    expect(classifyLead('/* /* */ CREATE TABLE t()')).toBe('other');
  });

  it.each([
    'BEGIN',
    'begin isolation level serializable',
    'START TRANSACTION',
    'COMMIT',
    'COMMIT AND CHAIN',
    'END',
    'ROLLBACK',
    'ABORT',
    'SAVEPOINT s',
    'RELEASE SAVEPOINT s',
    'ROLLBACK TO SAVEPOINT s',
    "PREPARE TRANSACTION 'g'",
    "COMMIT PREPARED 'g'",
    "ROLLBACK PREPARED 'g'",
  ])('recognises transaction control %j', (sql) => {
    expect(classifyLead(sql)).toBe('transaction');
  });

  it.each(['DO $$ BEGIN EXECUTE \'CREATE TABLE t()\'; END $$', 'do language plpgsql $x$ BEGIN END $x$', 'CALL p()', 'call s.p(1)'])(
    'flags %j as code the watcher cannot see into',
    (sql) => {
      expect(classifyLead(sql)).toBe('do-or-call');
    },
  );

  it('does not mistake longer words for keywords', () => {
    expect(classifyLead('CREATED')).toBe('other');
    expect(classifyLead('DOES')).toBe('other');
    expect(classifyLead('BEGINNING')).toBe('other');
    expect(classifyLead('CALLS')).toBe('other');
    expect(classifyLead('PREPARE transactions AS SELECT 1')).toBe('other');
  });

  it('classifies the statement at a given offset', () => {
    const sql = 'SELECT 1; CREATE TABLE t()';
    expect(classifyLead(sql)).toBe('other');
    expect(classifyLead(sql, sql.indexOf(';') + 1)).toBe('ddl-candidate');
  });
});
