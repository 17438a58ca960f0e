// The corpus: DDL written from the PostgreSQL documentation's synopses for
// every object kind, and statements that must not count. Each DDL statement
// must pass the pre-filter, parse, and count; each other one must not count.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseStatements, type ParsedStatement } from './parser.js';
import { classifyLead } from './prefilter.js';
import { describeSchemaChange, SCHEMA_CHANGES } from './schema-changes.js';

const corpus = (name: string): readonly ParsedStatement[] => parseStatements(readFileSync(new URL(`./corpus/${name}`, import.meta.url), 'utf8'));

let ddl: readonly ParsedStatement[] = [];
let notDdl: readonly ParsedStatement[] = [];

beforeAll(async () => {
  await loadParser();
  ddl = corpus('ddl-statements.sql');
  notDdl = corpus('not-ddl.sql');
});

describe('the DDL corpus', () => {
  it('holds at least 300 statements, every one accepted by the parser', () => {
    expect(ddl.length).toBeGreaterThanOrEqual(300);
    expect(ddl.filter((statement) => statement.nodeType === undefined).map((statement) => statement.text)).toEqual([]);
  });

  it('every statement passes the pre-filter', () => {
    expect(ddl.filter((statement) => classifyLead(statement.text) !== 'ddl-candidate').map((statement) => statement.text)).toEqual([]);
  });

  it('every statement counts as a schema change, parsed (not kept raw)', () => {
    const missed = ddl.filter((statement) => {
      const change = describeSchemaChange(statement);
      return change === undefined || change.unparsed === true;
    });
    expect(missed.map((statement) => statement.text)).toEqual([]);
  });

  it('exercises every entry of the list', () => {
    const seen = new Set(ddl.map((statement) => statement.nodeType));
    expect(SCHEMA_CHANGES.map((entry) => entry.nodeType).filter((nodeType) => !seen.has(nodeType))).toEqual([]);
  });
});

describe('the corpus of statements that are not DDL', () => {
  it('parses', () => {
    expect(notDdl.length).toBeGreaterThan(90);
    expect(notDdl.filter((statement) => statement.nodeType === undefined).map((statement) => statement.text)).toEqual([]);
  });

  it('has no schema change in it', () => {
    expect(notDdl.filter((statement) => describeSchemaChange(statement) !== undefined).map((statement) => statement.text)).toEqual([]);
  });

  it('mostly never reaches the parser', () => {
    const candidates = notDdl.filter((statement) => classifyLead(statement.text) === 'ddl-candidate');
    // Temp objects, roles, databases and tablespaces start like DDL; the parser sorts them out.
    expect(candidates.every((statement) => /^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SECURITY|SELECT .* INTO TEMP|EXPLAIN CREATE)/i.test(statement.text))).toBe(true);
    expect(candidates.length).toBeLessThan(notDdl.length / 2);
  });
});
