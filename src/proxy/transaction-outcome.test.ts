import { describe, expect, it } from 'vitest';
import { TransactionOutcome } from './transaction-outcome.js';

describe('transaction outcome', () => {
  it('counts an autocommit statement as a committed transaction', () => {
    const t = new TransactionOutcome();
    t.statementDone();
    expect(t.ready('I')).toBe('commit');
  });

  it('counts nothing for a ReadyForQuery after no statement (startup, empty query)', () => {
    expect(new TransactionOutcome().ready('I')).toBeUndefined();
  });

  it('ends an explicit block at COMMIT and not before', () => {
    const t = new TransactionOutcome();
    t.statementDone();
    expect(t.ready('T')).toBeUndefined();
    t.statementDone();
    expect(t.ready('T')).toBeUndefined();
    t.statementDone();
    expect(t.ready('I')).toBe('commit');
  });

  it('reports a rollback for a failed block, even when the client sent COMMIT', () => {
    const t = new TransactionOutcome();
    t.statementDone();
    t.ready('T');
    t.statementFailed();
    t.ready('E');
    t.rollbackTag();
    t.statementDone();
    expect(t.ready('I')).toBe('rollback');
  });

  it('reports a rollback for a failed autocommit statement', () => {
    const t = new TransactionOutcome();
    t.statementFailed();
    expect(t.ready('I')).toBe('rollback');
  });
});
