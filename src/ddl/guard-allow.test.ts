import { describe, expect, it } from 'vitest';
import { guardAllowanceOf } from './guard-allow.js';
import { classifyStatement } from './prefilter.js';

describe('SET pggit.allow', () => {
  it('reads the hazards a transaction or session allows', () => {
    expect(guardAllowanceOf("SET LOCAL pggit.allow = 'table_rewrite, DELETES_DATA'")).toEqual({ local: true, hazards: ['TABLE_REWRITE', 'DELETES_DATA'] });
    expect(guardAllowanceOf('  set pggit.allow to SHARE_LOCK;')).toEqual({ local: false, hazards: ['SHARE_LOCK'] });
    expect(guardAllowanceOf("SET LOCAL pggit.message = 'x'")).toBeUndefined();
    expect(guardAllowanceOf('SELECT 1')).toBeUndefined();
  });

  it('finds maintenance commands and SET by their first keyword', () => {
    expect(['VACUUM FULL t', 'cluster t', '/* x */ REINDEX TABLE t', 'LOCK t', 'truncate t'].map((sql) => classifyStatement(sql))).toEqual(Array(5).fill('maintenance'));
    expect(['SET x = 1', 'SELECT 1', 'VACUUMED', 'INSERT INTO t VALUES (1)'].map((sql) => classifyStatement(sql))).toEqual(['set', 'other', 'other', 'other']);
    // The watcher's own classes are unchanged: maintenance and SET are `other` to it.
    expect(['CREATE INDEX ON t (a)', 'BEGIN', 'DO $$ $$'].map((sql) => classifyStatement(sql))).toEqual(['ddl-candidate', 'transaction', 'do-or-call']);
  });
});
