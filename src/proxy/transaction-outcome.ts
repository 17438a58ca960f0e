// Decides, at each ReadyForQuery, whether a transaction just ended and how:
// explicit blocks end when the status returns to idle; a statement run
// outside a block is a transaction of its own (as pg_stat_database counts).

export type Outcome = 'commit' | 'rollback';

export class TransactionOutcome {
  private status: 'I' | 'T' | 'E' = 'I';
  private statements = 0;
  private failed = false;
  private rolledBack = false;

  statementDone(): void {
    this.statements++;
  }

  statementFailed(): void {
    this.statements++;
    this.failed = true;
  }

  /** CommandComplete tag ROLLBACK (also what COMMIT of a failed block answers). */
  rollbackTag(): void {
    this.rolledBack = true;
  }

  /** The transaction that ended with this ReadyForQuery, if one did. */
  ready(status: 'I' | 'T' | 'E'): Outcome | undefined {
    const ended = status === 'I' && (this.status !== 'I' || this.statements > 0);
    const outcome: Outcome = this.failed || this.rolledBack ? 'rollback' : 'commit';
    this.status = status;
    if (status !== 'I') return undefined;
    this.statements = 0;
    this.failed = false;
    this.rolledBack = false;
    return ended ? outcome : undefined;
  }
}
