import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parserLoaded, parseStatements, splitByScanner } from './parser.js';

beforeAll(loadParser);

const texts = (sql: string): string[] => parseStatements(sql).map((statement) => statement.text);

describe('the parser wrapper', () => {
  it('is loaded once at startup', () => {
    expect(parserLoaded()).toBe(true);
  });

  it('splits a multi-statement string where the server does', () => {
    const statements = parseStatements('SELECT 1;  CREATE TABLE t (a int) ;\n-- trailing\n DROP TABLE u;');
    expect(statements.map((statement) => statement.nodeType)).toEqual(['SelectStmt', 'CreateStmt', 'DropStmt']);
    expect(statements.map((statement) => statement.text)).toEqual(['SELECT 1', 'CREATE TABLE t (a int)', 'DROP TABLE u']);
  });

  it('turns UTF-8 byte offsets into string positions', () => {
    expect(texts("SELECT 'é→😀'; CREATE TABLE ü (ä int); SELECT 1")).toEqual([
      "SELECT 'é→😀'",
      'CREATE TABLE ü (ä int)',
      'SELECT 1',
    ]);
  });

  it('keeps a BEGIN ATOMIC body, semicolons and all, in its statement', () => {
    const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3';
    expect(texts(sql)).toEqual(['CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END', 'SELECT 3']);
  });

  it('yields nothing for empty statements', () => {
    expect(parseStatements('')).toEqual([]);
    expect(parseStatements(' ; ;; -- x')).toEqual([]);
  });

  it('splits by the scanner when one statement is unreadable, parsing the others on their own', () => {
    const statements = parseStatements("CREATE TABLE a (x int); CREATE TABLE (; DROP TABLE ';'");
    expect(statements.map((statement) => [statement.text, statement.nodeType])).toEqual([
      ['CREATE TABLE a (x int)', 'CreateStmt'],
      ['CREATE TABLE (', undefined],
      ["DROP TABLE ';'", undefined],
    ]);
    expect(statements[1]?.error).toMatch(/syntax error/);
  });

  it('the scanner drops pieces that hold only comments', () => {
    expect(splitByScanner('/* a */ ; SELECT 1; -- b\n ; /* /* c */ */')).toEqual(['SELECT 1']);
  });
});
