// The DDL of the transaction in progress, with its savepoints. Pure
// bookkeeping; the tracker decides when to call what.
import type { DdlStatement } from './ddl-statement.js';

interface Savepoint {
  readonly name: string;
  /** How many statements the transaction had when the savepoint was taken. */
  readonly mark: number;
  /** The settings then: ROLLBACK TO undoes a SET made after it, as PostgreSQL does. */
  readonly message: string | undefined;
  readonly allowedHazards: readonly string[] | undefined;
}

export interface TakenContent {
  readonly statements: readonly DdlStatement[];
  readonly mayContainUnseenDdl: boolean;
  readonly message?: string | undefined;
  readonly allowedHazards?: readonly string[] | undefined;
}

export class TransactionContent {
  /** Allocated at the first DDL statement: most transactions have none. */
  private statements: DdlStatement[] | undefined;
  /**
   * Only savepoints taken once the transaction had something to undo (a DDL
   * statement, a pggit setting) are recorded, so an ORM's savepoints cost
   * nothing. Every unrecorded savepoint therefore precedes every recorded
   * one and was taken on a pristine transaction; a name that is not found
   * here is one of them.
   */
  private savepoints: Savepoint[] | undefined;
  private unseen = false;
  /** An error happened: the transaction is aborted until ROLLBACK [TO SAVEPOINT]. */
  failed = false;
  /** From `SET [LOCAL] pggit.message` in this transaction; the latest wins. */
  message: string | undefined;
  /** From `SET [LOCAL] pggit.allow` in this transaction: what the guard was told to let through. */
  allowedHazards: readonly string[] | undefined;

  get isEmpty(): boolean {
    return !this.unseen && (this.statements === undefined || this.statements.length === 0);
  }

  add(statement: DdlStatement): void {
    (this.statements ??= []).push(statement);
  }

  /** DO or CALL ran: DDL may have happened that no statement shows. */
  markUnseen(): void {
    this.unseen = true;
  }

  savepoint(name: string): void {
    const mark = this.statements?.length ?? 0;
    const { message, allowedHazards } = this;
    if (mark > 0 || this.unseen || message !== undefined || allowedHazards !== undefined) (this.savepoints ??= []).push({ name, mark, message, allowedHazards });
  }

  /** RELEASE destroys the savepoint and every later one; statements stay. */
  release(name: string): void {
    const index = this.latest(name);
    if (index < 0) this.savepoints = undefined;
    else if (this.savepoints !== undefined) this.savepoints.length = index;
  }

  /** ROLLBACK TO forgets the statements and settings after the savepoint, which itself survives. */
  rollbackTo(name: string): void {
    const index = this.latest(name);
    const savepoint = index < 0 ? undefined : this.savepoints?.[index];
    if (this.statements !== undefined) this.statements.length = savepoint?.mark ?? 0;
    this.message = savepoint?.message;
    this.allowedHazards = savepoint?.allowedHazards;
    if (savepoint === undefined) this.savepoints = undefined;
    else if (this.savepoints !== undefined) this.savepoints.length = index + 1;
    this.failed = false;
  }

  /** What the transaction did so far, or undefined when nothing; the content stays. */
  peek(): TakenContent | undefined {
    return this.isEmpty ? undefined : { statements: [...(this.statements ?? [])], mayContainUnseenDdl: this.unseen, message: this.message, allowedHazards: this.allowedHazards };
  }

  /** What the transaction did, or undefined when nothing; the content is reset either way. */
  take(): TakenContent | undefined {
    const taken = this.isEmpty ? undefined : { statements: this.statements ?? [], mayContainUnseenDdl: this.unseen, message: this.message, allowedHazards: this.allowedHazards };
    this.reset();
    return taken;
  }

  reset(): void {
    this.statements = undefined;
    this.savepoints = undefined;
    this.unseen = false;
    this.failed = false;
    this.message = undefined;
    this.allowedHazards = undefined;
  }

  /** Index of the most recent savepoint with this name (names may be reused). */
  private latest(name: string): number {
    const savepoints = this.savepoints ?? [];
    for (let i = savepoints.length - 1; i >= 0; i--) if (savepoints[i]?.name === name) return i;
    return -1;
  }
}
