// The zero-downtime guard of one session: sees each Query and Parse before
// it is forwarded (the traffic observer calls it from inside the frame
// tracker), and for the few that can be DDL or maintenance decides, with
// THE hazard list and the size of the tables at stake, whether the message
// goes as it came (warn: a NoticeResponse reaches the client before the
// statement's result) or is replaced by a statement that makes the server
// refuse it (deny, see denial.ts). A statement that is not DDL costs the
// lead-keyword comparisons the watcher already makes.
import type { Logger } from 'pino';
import type pg from 'pg';
import {
  classifyStatement,
  guardAllowanceOf,
  hasLaterStatement,
  parseStatements,
  redactSecrets,
  splitByScanner,
  type StatementClass,
  type ParsedStatement,
} from '../../ddl/index.js';
import type { ProxyMetrics } from '../../metrics/index.js';
import { encodeErrorResponse, encodeWarningNotice } from '../../protocol/index.js';
import type { GateDecision } from '../relay-edits.js';
import { deniedQueryText, parseMessage, queryMessage, raiseStatement } from './denial.js';
import { LockWatch, lockTimeoutError, type LockCancel } from './lock-watch.js';
import { guardMayDeny, sessionExempt, type GuardPolicy } from './policy.js';
import type { LookupScope, TableSizes } from './table-sizes.js';
import { ClientSearchPath } from './search-path.js';
import { candidatesOf, relationsOf, verdictsOf, type Verdict } from './verdicts.js';

/** What every session's guard shares (one per proxy). */
export interface GuardShared {
  readonly policy: GuardPolicy;
  readonly sizes: TableSizes;
  /** The proxy's own connections, per database (sizes, lock watch). */
  readonly poolFor: (database: string) => pg.Pool;
  readonly metrics: ProxyMetrics | undefined;
}

/** What the guard needs of its session. */
export interface GuardedSession {
  readonly user: string;
  /** The physical database (the branch's). */
  readonly database: string;
  /** search_path from the startup packet, if the client gave one. */
  readonly startupSearchPath: string | undefined;
  application(): string;
  backendPid(): number | undefined;
  /** See Relay.gateCurrentMessage. */
  gate(bodyLength: number, decision: GateDecision | Promise<GateDecision>): boolean;
  /** See Relay.sendToClient. */
  sendToClient(message: Buffer): void;
  /** See Relay.holdNextReply. */
  holdReply(until: Promise<void>): void;
  /** See Relay.replaceServerMessage. */
  replaceServerMessage(bodyLength: number, replacement: () => Buffer | undefined): boolean;
}

export class SessionGuard {
  /** SET LOCAL pggit.allow: until the transaction ends. */
  private allowedInTransaction: ReadonlySet<string> = new Set();
  /** SET pggit.allow: for the session. */
  private allowedInSession: ReadonlySet<string> = new Set();
  private lockWatch: LockWatch | undefined;
  /** A SET or RESET ran in this transaction (see ready). */
  private setInTransaction = false;
  /** Where the client's unqualified table names point. */
  private readonly searchPath: ClientSearchPath;

  constructor(
    private readonly shared: GuardShared,
    private readonly session: GuardedSession,
    private readonly log: Logger,
  ) {
    this.searchPath = new ClientSearchPath(session.startupSearchPath);
  }

  /** The server reported the session's search_path (PostgreSQL 18 and later report every change). */
  searchPathReported(value: string): void {
    this.searchPath.reportedByServer(value);
  }

  /**
   * A simple Query; `cut`: only its start was read (it is forwarded as it
   * came); `lead`, `later`: its first statement's class and whether other
   * statements follow, when the DDL watcher already computed them.
   */
  query(sql: string, bodyLength: number, cut: boolean, lead?: StatementClass, later?: boolean): void {
    if (cut || !this.mayConcern(sql, lead ?? classifyStatement(sql), later ?? hasLaterStatement(sql))) return;
    const statements = parseStatements(sql);
    this.inspect(statements, bodyLength, sql, (verdict) => queryMessage(deniedQueryText(statements, verdict.statement, verdict.notice)));
  }

  /** A Parse; its body is `bytes[start, end)` (borrowed), complete unless `cut`. */
  parse(sql: string, bytes: Buffer, start: number, end: number, bodyLength: number, cut: boolean, lead?: StatementClass): void {
    // A Parse holds one statement (the server refuses more): no later one to look for.
    if (cut || !this.mayConcern(sql, lead ?? classifyStatement(sql), false)) return;
    const statements = parseStatements(sql);
    const original = Buffer.from(bytes.subarray(start, end));
    this.inspect(statements, bodyLength, sql, (verdict) => parseMessage(original, raiseStatement(verdict.notice)));
  }

  /** ReadyForQuery: a transaction's allowance ends with it; a watched statement is over. */
  ready(status: 'I' | 'T' | 'E'): void {
    if (status === 'I' && this.setInTransaction) {
      this.setInTransaction = false;
      this.allowedInTransaction = new Set();
      this.searchPath.transactionEnded();
    }
    if (this.lockWatch !== undefined) {
      this.lockWatch.stop();
      this.lockWatch = undefined;
    }
  }

  /**
   * An ErrorResponse from the server. A cancel (57014) while a lock watch
   * runs may be the watch's own: it then reaches the client as lock_timeout's
   * 55P03 with the explanation (decided once the watch's check has settled:
   * the watch holds the reply until then).
   */
  serverError(sqlstate: string, bodyLength: number): void {
    const watch = this.lockWatch;
    if (watch === undefined || sqlstate !== '57014') return;
    const timeoutMs = this.shared.policy.lockTimeoutMs!;
    const replaced = this.session.replaceServerMessage(bodyLength, () => (watch.cancelled ? encodeErrorResponse(lockTimeoutError(watch.cancelled, timeoutMs)) : undefined));
    if (!replaced) this.log.warn('guard: the server error after a lock guard cancel began in an earlier read; it reaches the client as 57014');
  }

  close(): void {
    this.lockWatch?.stop();
  }

  /** The cheap pass, on the class the watcher's pre-filter found: DDL, maintenance, a SET, or several statements (any of which may be one). */
  private mayConcern(sql: string, lead: StatementClass, later: boolean): boolean {
    if (lead === 'ddl-candidate' || lead === 'maintenance') return !this.exempt();
    if (lead === 'set') this.noteSet(sql);
    if (!later) return false;
    const pieces = splitByScanner(sql);
    for (const piece of pieces.slice(1)) this.noteSet(piece);
    return pieces.some((piece) => {
      const found = classifyStatement(piece);
      return found === 'ddl-candidate' || found === 'maintenance';
    }) && !this.exempt();
  }

  private exempt(): boolean {
    return sessionExempt(this.shared.policy, this.session.user, this.session.application());
  }

  /** SET pggit.allow, SET search_path, RESET: what the guard must know of the session. */
  private noteSet(sql: string): void {
    // SET LOCAL may be among them: the transaction's end then has something to clear.
    this.setInTransaction = true;
    this.searchPath.noteStatement(sql);
    const allowance = guardAllowanceOf(sql);
    if (allowance === undefined) return;
    const hazards = new Set(allowance.hazards);
    if (allowance.local) this.allowedInTransaction = hazards;
    else this.allowedInSession = hazards;
  }

  private inspect(statements: readonly ParsedStatement[], bodyLength: number, sql: string, denial: (verdict: Verdict) => Buffer): void {
    const { policy, sizes } = this.shared;
    this.watchLocks(sql);
    const allowed = new Set([...this.allowedInSession, ...this.allowedInTransaction]);
    const candidates = candidatesOf(statements, policy, allowed);
    if (candidates.length === 0) return;
    const scope: LookupScope = { database: this.session.database, role: this.session.user, searchPath: this.searchPath.current };
    const relations = relationsOf(candidates);
    const decide = (): GateDecision => this.act(verdictsOf(statements, candidates, (relation) => sizes.sizeOf(scope, relation), policy.minRows), denial);
    const allCached = relations.every((relation) => sizes.cached(scope, relation) !== 'missing');
    const decision = allCached ? decide() : sizes.load(scope, relations).then(decide);
    if (!this.session.gate(bodyLength, decision) && guardMayDeny(policy)) {
      // Its first bytes were already forwarded with an earlier chunk: too late to stop it.
      this.log.warn({ statement: redactSecrets(sql).slice(0, 200) }, 'guard: a statement that began in an earlier read could not be held; it was not stopped');
    }
  }

  /** Warns (notices queued for the client) and returns the replacement for the first denied statement. */
  private act(verdicts: readonly Verdict[], denial: (verdict: Verdict) => Buffer): GateDecision {
    for (const verdict of verdicts) {
      const fields = { hazards: verdict.hazards.map((h) => ({ kind: h.kind, relation: h.relation, rows: h.rows })), lock: verdict.lock, action: verdict.action };
      for (const kind of new Set(verdict.hazards.map((h) => h.kind))) this.shared.metrics?.guardHazard(kind, verdict.action);
      if (verdict.action === 'deny') {
        this.log.warn(fields, redactSecrets(verdict.notice.message));
        return denial(verdict);
      }
      this.log.warn(fields, redactSecrets(verdict.notice.message));
      this.session.sendToClient(encodeWarningNotice(verdict.notice));
    }
    return undefined;
  }

  private watchLocks(sql: string): void {
    const timeoutMs = this.shared.policy.lockTimeoutMs;
    const pid = this.session.backendPid();
    if (timeoutMs === undefined || pid === undefined) return;
    this.lockWatch?.stop();
    this.lockWatch = new LockWatch({
      pool: this.shared.poolFor(this.session.database),
      backendPid: pid,
      sql,
      timeoutMs,
      onCancel: (cancel) => this.lockCancelled(cancel, sql),
      holdReply: (until) => this.session.holdReply(until),
    });
  }

  private lockCancelled(cancel: LockCancel, sql: string): void {
    this.shared.metrics?.guardHazard('LOCK_WAIT', 'cancel');
    const error = lockTimeoutError(cancel, this.shared.policy.lockTimeoutMs!);
    this.log.warn({ waited: cancel.waitedSeconds, mode: cancel.mode, relation: cancel.relation, blockers: cancel.blockers, statement: redactSecrets(sql).slice(0, 200) }, error.message);
  }
}
