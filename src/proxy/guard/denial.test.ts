// What the server receives instead of a denied statement.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseStatements } from '../../ddl/index.js';
import { parseMessage as readParse } from '../../protocol/index.js';
import { deniedQueryText, parseMessage, queryMessage, raiseStatement } from './denial.js';

beforeAll(() => loadParser());

const ERROR = { sqlstate: 'PGG01', message: "it's $pggit_guard$ \\ denied", detail: 'd', hint: 'h' };

describe('denial', () => {
  it('raises the error with every field quoted safely, as one DO statement the parser accepts', () => {
    const sql = raiseStatement(ERROR);
    const [statement, ...rest] = parseStatements(sql);
    expect(rest).toEqual([]);
    expect(statement?.nodeType).toBe('DoStmt');
    expect(sql).toContain("MESSAGE = E'it''s $ pggit_guard$ \\\\ denied'");
    expect(sql).toContain("ERRCODE = 'PGG01'");
  });

  it('keeps the statements before the denied one and drops those after it', () => {
    const statements = parseStatements('BEGIN; CREATE TABLE a (); DROP TABLE big; SELECT 1');
    const text = deniedQueryText(statements, 2, ERROR);
    expect(parseStatements(text).map((s) => s.nodeType)).toEqual(['TransactionStmt', 'CreateStmt', 'DoStmt']);
  });

  it('frames a Query, and a Parse with the original name and parameter types', () => {
    const query = queryMessage('SELECT é');
    expect(query[0]).toBe(0x51);
    expect(query.readInt32BE(1)).toBe(query.length - 1);
    expect(query.subarray(5).toString('utf8')).toBe('SELECT é\0');
    const types = Buffer.from([0, 1, 0, 0, 0, 23]);
    const original = Buffer.concat([Buffer.from('stmt1\0CREATE INDEX ON big (v)\0'), types]);
    const replaced = parseMessage(original, 'DO $$BEGIN END$$');
    expect(replaced[0]).toBe(0x50);
    expect(replaced.readInt32BE(1)).toBe(replaced.length - 1);
    const body = replaced.subarray(5);
    expect(readParse(body)).toEqual({ statement: 'stmt1', text: 'DO $$BEGIN END$$' });
    expect(body.subarray(body.length - types.length)).toEqual(types);
  });
});
