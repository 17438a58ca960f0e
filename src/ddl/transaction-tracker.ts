// One per client session: follows what the client asks and what the server
// answers, and emits a change set for each transaction that really committed
// with DDL in it. The server's replies are the truth (CommandComplete tags,
// ErrorResponse, ReadyForQuery status); they are matched to the requests by
// a FIFO, since PostgreSQL answers in order. Pure: no I/O, no timers.
import type { ChangeSet, SessionInfo } from './change-set.js';
import type { DdlStatement } from './ddl-statement.js';
import { PendingRing, type PendingItem } from './pending-ring.js';
import { PreparedTransactions } from './prepared-transactions.js';
import { commitMessageOf, mayBeSet } from './commit-message.js';
import { guardAllowanceOf } from './guard-allow.js';
import { classifyStatement, leadOf, type LeadClass, type StatementClass } from './prefilter.js';
import { hasLaterStatement, PreparedStatement, splitCutQuery, splitQuery, type QueryPart } from './query-parts.js';
import { readTransactionCommand } from './transaction-command.js';
import { TransactionContent, type TakenContent } from './transaction-content.js';

export interface TransactionTrackerOptions {
  readonly session: SessionInfo;
  readonly onChangeSet: (changeSet: ChangeSet) => void;
  readonly now?: () => Date;
  /** Shared by every session of the process, so COMMIT PREPARED may come from any of them. */
  readonly preparedTransactions?: PreparedTransactions;
  /**
   * True once a request that may commit schema changes is about to be sent
   * (the server may commit it before any reply): a statement that may be
   * DDL, or any request in a block that ran some. False at the ReadyForQuery
   * that answers the last request, once no block with schema changes is
   * open (after a commit's change set was emitted). Reconciliation leaves
   * the database alone meanwhile rather than claim their changes (or wait
   * for the locks an open block holds).
   */
  readonly onDdlInFlight?: (inFlight: boolean) => void;
  /**
   * A COMMIT of a block with schema changes is being read, and the server
   * owes the session nothing (every earlier request was answered, in a
   * transaction that did not fail): the last moment the transaction's
   * result can be read inside it, under its locks. True: the caller read
   * (or is reading) it before the COMMIT goes, and the change set of that
   * COMMIT says so (ChangeSet.readAhead).
   */
  readonly onCommitAhead?: (content: TakenContent) => boolean;
  /**
   * Like onCommitAhead, for a Query that is one schema change in autocommit
   * (a statement that may run in a transaction block), with the server idle:
   * true when the caller runs it in a block of its own and reads it before
   * that block commits; its change set then says readAhead too.
   */
  readonly onAutocommitAhead?: (content: TakenContent) => boolean;
  /** That COMMIT (or statement) was answered without committing schema changes (it failed, or rolled back). */
  readonly onCommitAheadUnused?: () => void;
}

/** What a named portal runs. */
interface Runnable {
  readonly lead: LeadClass;
  readonly sql: string;
  readonly statement: PreparedStatement | undefined;
}

export class TransactionTracker {
  private session: SessionInfo;
  private readonly onChangeSet: (changeSet: ChangeSet) => void;
  private readonly onDdlInFlight: ((inFlight: boolean) => void) | undefined;
  private readonly onCommitAhead: ((content: TakenContent) => boolean) | undefined;
  private readonly onCommitAheadUnused: (() => void) | undefined;
  private readonly onAutocommitAhead: ((content: TakenContent) => boolean) | undefined;
  /** onCommitAhead took up a COMMIT whose answer has not come yet (the next ReadyForQuery ends it). */
  private aheadOpen = false;
  private ddlInFlight = false;
  private readonly now: () => Date;
  private readonly prepared: PreparedTransactions;
  private readonly pending = new PendingRing();
  private readonly content = new TransactionContent();
  /** Inside BEGIN ... COMMIT (as last told by a tag or ReadyForQuery). */
  private inBlock = false;
  // The unnamed statement and portal change with nearly every extended-protocol
  // query: kept in fields rather than allocated.
  private unnamedLead: LeadClass = 'other';
  /** unnamedLead, refined (lastLead of the unnamed statement's text). */
  private unnamedClass: StatementClass = 'other';
  private unnamedSql = '';
  /** Only when the unnamed statement's text arrived cut (so that Bind and Execute carry that). */
  private unnamedCut: PreparedStatement | undefined;
  private portalLead: LeadClass = 'other';
  private portalSql = '';
  private portalStatement: PreparedStatement | undefined;
  private readonly statements = new Map<string, PreparedStatement>();
  /** The refined class of the last Query or Parse text, for the guard (which would otherwise scan it again). */
  lastLead: StatementClass = 'other';
  /** The last Query text has a statement after its first one (hasLaterStatement), for the guard likewise. */
  lastHasLater = false;
  private readonly portals = new Map<string, Runnable>();

  constructor(options: TransactionTrackerOptions) {
    this.session = { ...options.session };
    this.onChangeSet = options.onChangeSet;
    this.onDdlInFlight = options.onDdlInFlight;
    this.onCommitAhead = options.onCommitAhead;
    this.onCommitAheadUnused = options.onCommitAheadUnused;
    this.onAutocommitAhead = options.onAutocommitAhead;
    this.now = options.now ?? (() => new Date());
    this.prepared = options.preparedTransactions ?? new PreparedTransactions();
  }

  setBackendPid(backendPid: number): void {
    this.session = { ...this.session, backendPid };
  }

  /** Requests sent but not yet answered (for tests and diagnostics). */
  get pendingRequests(): number {
    return this.pending.length;
  }

  // ---- frontend -------------------------------------------------------

  /** `cut`: sql is only the start of a longer text; what follows the cut is left to the catalog. */
  query(sql: string, cut = false): void {
    // Once per Query, for the tracker and the guard alike.
    this.enqueueQuery(sql, cut, classifyStatement(sql), hasLaterStatement(sql));
  }

  /**
   * A simple Query whose bytes showed it is one statement that cannot
   * change the schema (isPlainQuery): query() without decoding its text,
   * which nothing would read.
   */
  plainQuery(): void {
    this.enqueueQuery('', false, 'other', false);
  }

  /** One schema change in autocommit, with the server idle: offer it to onAutocommitAhead. */
  private offerAutocommitAhead(item: PendingItem): void {
    if (this.onAutocommitAhead === undefined) return;
    const ddl = this.partsOf(item)[0]?.ddl;
    // CREATE INDEX CONCURRENTLY and friends refuse to run in a block; subscriptions may (a replication slot to make or drop).
    if (ddl === undefined || ddl.noTransactionBlock === true || ddl.mayRefuseTransactionBlock === true || ddl.unparsed === true) return;
    this.aheadOpen = this.onAutocommitAhead({ statements: [ddl], mayContainUnseenDdl: false });
  }

  /**
   * A lone COMMIT about to go with the server idle in a healthy block that
   * changed the schema: offer it to onCommitAhead.
   */
  private offerCommitAhead(sql: string): void {
    if (this.onCommitAhead === undefined || !this.inBlock || this.content.failed || this.content.isEmpty) return;
    if (readTransactionCommand(sql)?.kind !== 'commit') return;
    const content = this.content.peek();
    if (content !== undefined) this.aheadOpen = this.onCommitAhead(content);
  }

  parse(statementName: string, sql: string, cut = false): void {
    // Drivers parse the same unnamed statement again and again (pgbench -M extended, most ORMs): classified once.
    const again = statementName === '' && !cut && this.unnamedCut === undefined && sql === this.unnamedSql;
    const found = (this.lastLead = again ? this.unnamedClass : classifyStatement(sql));
    const lead = leadOf(found);
    if (statementName !== '') {
      // Named statements live as long as the session: keep the text only when it can matter.
      const kept = lead !== 'other' || commitMessageOf(sql) !== undefined ? sql : '';
      this.statements.set(statementName, new PreparedStatement(lead, kept, cut));
      return;
    }
    this.unnamedLead = lead;
    this.unnamedClass = found;
    this.unnamedSql = sql;
    this.unnamedCut = cut && lead !== 'other' ? new PreparedStatement(lead, sql, true) : undefined;
    // An extended-protocol COMMIT (Parse, Bind, Execute, Sync) with nothing owed: offered at its Parse, before any of it goes.
    if (lead === 'transaction' && !cut && this.pending.length === 0) this.offerCommitAhead(sql);
  }

  bind(portalName: string, statementName: string): void {
    const statement = statementName === '' ? this.unnamedCut : this.statements.get(statementName);
    const lead = statement?.lead ?? (statementName === '' ? this.unnamedLead : 'other');
    const sql = statement?.sql ?? (statementName === '' ? this.unnamedSql : '');
    if (portalName !== '') {
      this.portals.set(portalName, { lead, sql, statement });
      return;
    }
    this.portalLead = lead;
    this.portalSql = sql;
    this.portalStatement = statement;
  }

  execute(portalName: string): void {
    const item = this.pending.push('execute');
    const portal = portalName === '' ? undefined : this.portals.get(portalName);
    item.lead = portal?.lead ?? (portalName === '' ? this.portalLead : 'other');
    item.sql = portal?.sql ?? (portalName === '' ? this.portalSql : '');
    item.statement = portal?.statement ?? (portalName === '' ? this.portalStatement : undefined);
    if (item.lead === 'ddl-candidate' || item.lead === 'do-or-call' || this.holdsDdl()) this.inFlight(true);
  }

  close(kind: 'S' | 'P', name: string): void {
    if (kind === 'S' && name !== '') this.statements.delete(name);
    else if (kind === 'S') {
      this.unnamedLead = this.unnamedClass = 'other';
      this.unnamedSql = '';
      this.unnamedCut = undefined;
    } else if (name !== '') this.portals.delete(name);
    else {
      this.portalLead = 'other';
      this.portalSql = '';
      this.portalStatement = undefined;
    }
  }

  sync(): void {
    this.pending.push('sync');
  }

  /** FunctionCall ('F'): answered by ReadyForQuery like a Sync. Optional for the session to report. */
  functionCall(): void {
    this.pending.push('sync');
  }

  // ---- backend --------------------------------------------------------

  /**
   * `tag` may be a reader: the tag is only needed for transaction control,
   * so a caller holding raw bytes need not decode every statement's tag.
   */
  commandComplete(tag: string | (() => string)): void {
    const item = this.pending.peek();
    if (item === undefined || item.type === 'sync') return; // not ours to match (e.g. a COPY sub-protocol oddity)
    if (item.type === 'query') this.succeeded(tag, item, item.replies++);
    else {
      this.succeeded(tag, item, 0);
      this.pending.shift();
    }
  }

  emptyQuery(): void {
    if (this.pending.peek()?.type === 'execute') this.pending.shift();
  }

  /** PortalSuspended ('s'): an Execute with a row limit stopped early. Optional for the session to report. */
  portalSuspended(): void {
    if (this.pending.peek()?.type === 'execute') this.pending.shift();
  }

  error(sqlstate: string): void {
    const item = this.pending.peek();
    if (item?.type === 'query') this.failed(sqlstate, item, item.replies);
    else if (item?.type === 'execute') {
      this.failed(sqlstate, item, 0);
      // The server skips everything up to the next Sync.
      while (this.pending.peek()?.type === 'execute') this.pending.shift();
    }
    this.content.failed = true;
  }

  readyForQuery(status: 'I' | 'T' | 'E'): void {
    // This answers the oldest Query or Sync; Executes before it got all the replies they will get.
    for (let item = this.pending.peek(); item !== undefined; item = this.pending.peek()) {
      const answered = item.type !== 'execute';
      this.pending.shift();
      if (answered) break;
    }
    this.inBlock = status !== 'I';
    if (status === 'T') this.content.failed = false;
    else if (status === 'E') this.content.failed = true;
    else {
      // Outside a block: the implicit transaction committed unless it failed.
      if (this.content.failed) this.content.reset();
      else this.emit(this.content.take());
      if (this.portals.size > 0) this.portals.clear(); // portals end with their transaction
    }
    // The COMMIT (or statement) taken up ahead was answered, and committed no schema change.
    this.endCommitAhead();
    // An open block with schema changes stays in flight: its COMMIT may come
    // any time, and a catalog read would wait for the locks it holds.
    if (this.pending.length === 0 && !this.holdsDdl()) this.inFlight(false);
  }

  private enqueueQuery(sql: string, cut: boolean, found: StatementClass, later: boolean): void {
    // A simple Query destroys the unnamed statement and portal.
    this.unnamedLead = this.portalLead = this.unnamedClass = 'other';
    this.unnamedSql = this.portalSql = '';
    this.unnamedCut = this.portalStatement = undefined;
    const item = this.pending.push('query');
    item.sql = sql;
    item.lead = leadOf((this.lastLead = found));
    item.cut = cut;
    this.lastHasLater = later;
    if (item.lead === 'ddl-candidate' || item.lead === 'do-or-call' || cut || this.holdsDdl() || (later && this.laterMayChangeSchema(item))) this.inFlight(true);
    // This Query is the one request the server owes an answer to.
    if (later || cut || this.pending.length !== 1) return;
    if (item.lead === 'transaction') this.offerCommitAhead(sql);
    else if (item.lead === 'ddl-candidate' && !this.inBlock) this.offerAutocommitAhead(item);
  }

  /** Drops the read taken up for a COMMIT that did not (or not only) commit what was read. */
  private endCommitAhead(): void {
    if (!this.aheadOpen) return;
    this.aheadOpen = false;
    this.onCommitAheadUnused?.();
  }

  /** A later statement of a multi-statement Query may be DDL (its parts are needed for the replies anyway). */
  private laterMayChangeSchema(item: PendingItem): boolean {
    return this.partsOf(item).some((part) => part.lead === 'ddl-candidate' || part.lead === 'do-or-call');
  }

  /** Inside a block that already ran schema changes: the next request may be its COMMIT. */
  private holdsDdl(): boolean {
    return this.inBlock && !this.content.isEmpty;
  }

  private inFlight(value: boolean): void {
    if (this.ddlInFlight === value || this.onDdlInFlight === undefined) return;
    this.ddlInFlight = value;
    this.onDdlInFlight(value);
  }

  // ---- what a reply means ---------------------------------------------

  private succeeded(tag: string | (() => string), item: PendingItem, index: number): void {
    if (item.cut && index >= this.partsOf(item).length) {
      // A statement past the cut of a long Query: only the catalog can tell what it did.
      this.content.markUnseen();
      return;
    }
    const lead = index === 0 ? item.lead : (this.partsOf(item)[index]?.lead ?? 'other');
    if (lead === 'other') {
      this.noteMessage(index === 0 ? item.sql : (this.partsOf(item)[index]?.text ?? ''));
      return;
    }
    // The schema read ahead of a block's COMMIT is stale once anything else changes it first
    // (an autocommit statement read ahead is itself the change: the tracker sees no block there).
    if (lead !== 'transaction' && this.inBlock) this.endCommitAhead();
    if (lead === 'do-or-call') this.content.markUnseen();
    else if (lead === 'transaction') {
      const text = index === 0 ? item.sql : (this.partsOf(item)[index]?.text ?? '');
      this.transactionControl(typeof tag === 'string' ? tag : tag(), text);
    }
    else {
      const ddl = this.ddlOf(item, index);
      if (ddl === undefined) return;
      this.content.add(ddl);
      // CREATE INDEX CONCURRENTLY and friends commit on their own.
      if (ddl.noTransactionBlock === true) this.emit(this.content.take());
    }
  }

  private failed(sqlstate: string, item: PendingItem, index: number): void {
    if (this.inBlock || !mayHaveChangedAnything(sqlstate)) return;
    const lead = index === 0 ? item.lead : this.partsOf(item)[index]?.lead;
    if (lead !== 'ddl-candidate') return;
    // A concurrent index build that fails half-way leaves an invalid index behind.
    if (this.ddlOf(item, index)?.concurrently === true) this.emit({ statements: [], mayContainUnseenDdl: true });
  }

  private transactionControl(tag: string, text: string): void {
    switch (tag) {
      case 'BEGIN':
      case 'START TRANSACTION':
        this.inBlock = true;
        return;
      case 'COMMIT':
        this.inBlock = false;
        this.emit(this.content.take());
        return;
      case 'ROLLBACK': {
        // Also the answer to COMMIT or PREPARE TRANSACTION of an aborted transaction.
        const command = readTransactionCommand(text);
        if (command?.kind === 'rollback-to') this.content.rollbackTo(command.name);
        else {
          this.inBlock = false;
          this.content.reset();
        }
        return;
      }
      default:
        this.namedTransactionControl(tag, text);
    }
  }

  private namedTransactionControl(tag: string, text: string): void {
    const command = readTransactionCommand(text);
    if (command === undefined) return;
    if (tag === 'SAVEPOINT' && command.kind === 'savepoint') this.content.savepoint(command.name);
    else if (tag === 'RELEASE' && command.kind === 'release') this.content.release(command.name);
    else if (tag === 'PREPARE TRANSACTION' && command.kind === 'prepare') {
      const taken = this.content.take();
      this.inBlock = false;
      this.prepared.prepare(command.gid, {
        session: { ...this.session },
        statements: taken?.statements ?? [],
        mayContainUnseenDdl: taken?.mayContainUnseenDdl ?? false,
        message: taken?.message,
        allowedHazards: taken?.allowedHazards,
      });
    } else if (tag === 'COMMIT PREPARED' && command.kind === 'commit-prepared') {
      const changes = this.prepared.take(command.gid);
      // Prepared where this process could not see it: only the catalog can tell what it did.
      const taken = changes ?? { statements: [], mayContainUnseenDdl: true };
      if (taken.statements.length > 0 || taken.mayContainUnseenDdl) this.emit(taken, changes?.session, command.gid);
    } else if (tag === 'ROLLBACK PREPARED' && command.kind === 'rollback-prepared') this.prepared.take(command.gid);
  }

  // ---- helpers ----------------------------------------------------------

  /**
   * `SET [LOCAL] pggit.message = '...'` names the transaction's commit, and
   * `SET [LOCAL] pggit.allow = '...'` (the guard's override) goes in its
   * metadata (read after it succeeded).
   */
  private noteMessage(sql: string): void {
    // One look at the first letter for the many statements that are no SET at all.
    if (!mayBeSet(sql)) return;
    const message = commitMessageOf(sql);
    if (message !== undefined) this.content.message = message;
    const allowance = guardAllowanceOf(sql);
    if (allowance !== undefined) this.content.allowedHazards = allowance.hazards;
  }

  private partsOf(item: PendingItem): QueryPart[] {
    return (item.parts ??= item.cut ? splitCutQuery(item.sql) : splitQuery(item.sql));
  }

  private ddlOf(item: PendingItem, index: number): DdlStatement | undefined {
    if (item.type === 'query') return this.partsOf(item)[index]?.ddl;
    if (item.statement !== undefined) return item.statement.ddl;
    return this.partsOf(item)[0]?.ddl;
  }

  private emit(taken: TakenContent | undefined, session: SessionInfo = this.session, preparedGid?: string): void {
    if (taken === undefined) return;
    // Only the COMMIT (or statement) taken up ahead can commit while a read ahead is open.
    const readAhead = this.aheadOpen;
    this.aheadOpen = false;
    this.onChangeSet({
      ...(readAhead ? { readAhead } : {}),
      session: { ...session },
      statements: taken.statements,
      committedAt: this.now(),
      mayContainUnseenDdl: taken.mayContainUnseenDdl,
      ...(preparedGid === undefined ? {} : { preparedGid }),
      ...(taken.message === undefined ? {} : { message: taken.message }),
      ...(taken.allowedHazards === undefined || taken.allowedHazards.length === 0 ? {} : { allowedHazards: taken.allowedHazards }),
    });
  }
}

/** Syntax, permission, "cannot run inside a transaction block": refused before anything was done. */
function mayHaveChangedAnything(sqlstate: string): boolean {
  return !sqlstate.startsWith('42') && !sqlstate.startsWith('25') && !sqlstate.startsWith('0A');
}
