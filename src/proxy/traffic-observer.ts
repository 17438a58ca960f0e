// Reads the few messages the proxy cares about, in both directions, and
// turns them into statement timings, transaction outcomes and metrics.
// The session feeds it from its two frame trackers; it never touches bytes
// that are only forwarded.
import {
  BackendCode,
  FrontendCode,
  afterCString,
  captureTable,
  closeTarget,
  errorFields,
  executePortal,
  cString,
  cStringAgain,
  queryText,
  readCString,
  transactionStatus,
  type FrameSink,
} from '../protocol/index.js';
import { isPlainQuery, type TransactionTracker } from '../ddl/index.js';
import { NO_SESSION_METRICS, type SessionMetrics } from '../metrics/index.js';
import { RequestClock } from './request-clock.js';
import { TransactionOutcome } from './transaction-outcome.js';
import type { SessionGuard } from './guard/session-guard.js';

/** Messages read from the client when only their arrival matters (no DDL watcher). */
export const FRONTEND_CAPTURE = captureTable([
  [FrontendCode.Query, 0],
  [FrontendCode.Execute, 0],
  [FrontendCode.Sync, 0],
  [FrontendCode.FunctionCall, 0],
  [FrontendCode.Terminate, 0],
]);

/**
 * Statement text up to this long is read whole. A longer Query or Parse
 * (PostgreSQL takes up to 1 GB) is forwarded all the same; the watcher reads
 * its first MAX_STATEMENT_TEXT bytes and has the recorder read the whole
 * catalog for what lies beyond. Parsing costs about 20 ms per MB on the
 * event loop, so the bound is on latency as much as on memory.
 */
const MAX_STATEMENT_TEXT = 16 * 1024 * 1024;
/** Bind and Close carry names first; parameters after them are never read. */
const NAMES_PREFIX = 64 * 1024;

/** Messages read from the client by the DDL watcher. */
export const WATCHER_FRONTEND_CAPTURE = captureTable([
  [FrontendCode.Query, MAX_STATEMENT_TEXT],
  [FrontendCode.Parse, MAX_STATEMENT_TEXT],
  [FrontendCode.Bind, NAMES_PREFIX],
  [FrontendCode.Execute, NAMES_PREFIX],
  [FrontendCode.Close, NAMES_PREFIX],
  [FrontendCode.Sync, 0],
  [FrontendCode.FunctionCall, 0],
  [FrontendCode.Terminate, 0],
]);

/** Messages read from the server, with how many body bytes each needs. */
export const BACKEND_CAPTURE = captureTable([
  [BackendCode.BackendKeyData, 1024],
  [BackendCode.CommandComplete, 64],
  [BackendCode.EmptyQueryResponse, 0],
  [BackendCode.PortalSuspended, 0],
  [BackendCode.ErrorResponse, 4096],
  // application_name, and search_path (reported from PostgreSQL 18 on) for the guard.
  [BackendCode.ParameterStatus, 16 * 1024],
  [BackendCode.ReadyForQuery, 1],
]);

const APPLICATION_NAME = 'application_name';
const SEARCH_PATH = 'search_path';
const ROLLBACK = [0x52, 0x4f, 0x4c, 0x4c, 0x42, 0x41, 0x43, 0x4b, 0x00]; // "ROLLBACK\0"

/** The CommandComplete tag at bytes[start, end) is exactly ROLLBACK: a few byte comparisons, no native call. */
function isRollbackTag(bytes: Buffer, start: number, end: number): boolean {
  if (end - start !== ROLLBACK.length || bytes[start] !== 0x52) return false;
  for (let i = 1; i < ROLLBACK.length; i++) if (bytes[start + i] !== ROLLBACK[i]) return false;
  return true;
}

export interface ObserverEvents {
  /** The server's BackendKeyData body (borrowed). */
  onBackendKeyData(body: Buffer): void;
  /** The first ReadyForQuery: authentication is over. */
  onAuthenticated(applicationName: string): void;
  onClientTerminate(): void;
  onFatalError(): void;
}

export class TrafficObserver {
  private readonly clock = new RequestClock();
  private readonly outcome = new TransactionOutcome();
  private metrics: SessionMetrics = NO_SESSION_METRICS;
  /** Statement timings and transaction outcomes feed only the metrics: off without them. */
  private timed = false;
  private tracker: TransactionTracker | undefined;
  private guard: SessionGuard | undefined;
  private authenticated = false;
  /** The CommandComplete body being handled (tagBytes[tagStart, tagEnd)), read by readTag only when the tracker needs it. */
  private tagBytes: Buffer = Buffer.alloc(0);
  private tagStart = 0;
  private tagEnd = 0;
  private readonly readTag = (): string => readCString(this.tagBytes, this.tagStart, this.tagEnd)[0];
  private wrappedReady: ((status: 'I' | 'T' | 'E') => void) | undefined;
  /** As the server last reported it (ParameterStatus). */
  private applicationName = '';
  /** The text of the last whole Parse, and the statement of the last Bind: the same again is the same string (see cStringAgain). */
  private parseText = '';
  private bindStatement = '';

  // Bodies come as ranges of the chunk (see frame-tracker.ts): a view is made only for the few messages read as a whole.
  readonly frontend: FrameSink = { onMessage: (code, bytes, start, end, bodyLength) => this.onFrontend(code, bytes, start, end, bodyLength) };
  readonly backend: FrameSink = { onMessage: (code, bytes, start, end, bodyLength) => this.onBackend(code, bytes, start, end, bodyLength) };

  constructor(private readonly events: ObserverEvents) {}

  attachMetrics(metrics: SessionMetrics): void {
    this.metrics = metrics;
    this.timed = true;
  }

  /** The zero-downtime guard; it then sees every Query and Parse before it is forwarded. */
  attachGuard(guard: SessionGuard): void {
    this.guard = guard;
  }

  /** application_name as the server last reported it. */
  get application(): string {
    return this.applicationName;
  }

  /** The DDL watcher's tracker; it then sees every request and reply. */
  attachTracker(tracker: TransactionTracker): void {
    this.tracker = tracker;
  }

  private onFrontend(code: number, bytes: Buffer, start: number, end: number, bodyLength: number): void {
    switch (code) {
      case FrontendCode.Query:
        if (this.timed) this.clock.query(performance.now());
        if (this.tracker || this.guard) {
          const complete = end - start === bodyLength;
          // Most queries: one statement that neither the watcher nor the guard would look at again.
          if (complete && isPlainQuery(bytes, start, end)) {
            this.tracker?.plainQuery();
            return;
          }
          const sql = queryText(bytes, complete, start, end);
          this.tracker?.query(sql, !complete);
          this.guard?.query(sql, bodyLength, !complete, this.tracker?.lastLead, this.tracker?.lastHasLater);
        }
        return;
      case FrontendCode.FunctionCall:
        if (this.timed) this.clock.query(performance.now());
        this.tracker?.functionCall();
        return;
      case FrontendCode.Parse:
        if (this.tracker || this.guard) {
          const complete = end - start === bodyLength;
          const next = afterCString(bytes, start, end);
          const text = complete ? (this.parseText = cStringAgain(bytes, next, end, this.parseText)) : bytes.toString('utf8', next, end);
          this.tracker?.parse(cString(bytes, start, end), text, !complete);
          this.guard?.parse(text, bytes, start, end, bodyLength, !complete, this.tracker?.lastLead);
        }
        return;
      case FrontendCode.Bind:
        if (this.tracker) {
          this.bindStatement = cStringAgain(bytes, afterCString(bytes, start, end), end, this.bindStatement);
          this.tracker.bind(cString(bytes, start, end), this.bindStatement);
        }
        return;
      case FrontendCode.Execute:
        if (this.timed) this.clock.execute(performance.now());
        this.tracker?.execute(executePortal(bytes, start, end));
        return;
      case FrontendCode.Close:
        if (this.tracker) {
          const { kind, name } = closeTarget(bytes.subarray(start, end));
          this.tracker.close(kind, name);
        }
        return;
      case FrontendCode.Sync:
        if (this.timed) this.clock.sync();
        this.tracker?.sync();
        return;
      case FrontendCode.Terminate:
        this.events.onClientTerminate();
        return;
    }
  }

  private onBackend(code: number, bytes: Buffer, start: number, end: number, bodyLength: number): void {
    switch (code) {
      case BackendCode.CommandComplete:
        if (this.timed) {
          this.metrics.commandComplete(bytes, this.clock.statementDone(performance.now(), false), start, end);
          this.outcome.statementDone();
          if (isRollbackTag(bytes, start, end)) this.outcome.rollbackTag();
        }
        if (this.tracker) {
          this.tagBytes = bytes;
          this.tagStart = start;
          this.tagEnd = end;
          this.tracker.commandComplete(this.readTag);
        }
        return;
      case BackendCode.EmptyQueryResponse:
        if (this.timed) this.clock.statementDone(performance.now(), false);
        this.tracker?.emptyQuery();
        return;
      case BackendCode.PortalSuspended:
        if (this.timed) this.clock.statementDone(performance.now(), false);
        this.tracker?.portalSuspended();
        return;
      case BackendCode.ErrorResponse:
        this.onError(bytes.subarray(start, end), bodyLength);
        return;
      case BackendCode.ReadyForQuery:
        this.onReady(transactionStatus(bytes, start, end));
        return;
      case BackendCode.ParameterStatus:
        this.onParameterStatus(bytes.subarray(start, end));
        return;
      case BackendCode.BackendKeyData:
        this.events.onBackendKeyData(bytes.subarray(start, end));
        return;
    }
  }

  private onError(body: Buffer, bodyLength: number): void {
    const fields = errorFields(body);
    if (fields.severity === 'FATAL' || fields.severity === 'PANIC') {
      this.events.onFatalError();
      return;
    }
    if (this.timed) {
      this.metrics.error(fields.sqlstate, this.clock.statementDone(performance.now(), true));
      this.outcome.statementFailed();
    }
    this.tracker?.error(fields.sqlstate);
    this.guard?.serverError(fields.sqlstate, bodyLength);
  }

  /**
   * Once: the next ReadyForQuery's status goes to `wrapped` and counts as
   * 'I' for everyone here, as the client will see it (an autocommit
   * statement that pggit ran in a block of its own, see autocommit-ahead.ts).
   */
  wrapNextReady(wrapped: (status: 'I' | 'T' | 'E') => void): void {
    this.wrappedReady = wrapped;
  }

  private onReady(serverStatus: 'I' | 'T' | 'E'): void {
    const wrapped = this.wrappedReady;
    let status = serverStatus;
    if (wrapped !== undefined) {
      this.wrappedReady = undefined;
      wrapped(serverStatus);
      status = 'I';
    }
    if (!this.authenticated) {
      this.authenticated = true;
      this.events.onAuthenticated(this.applicationName);
    }
    if (this.timed) {
      this.clock.ready();
      const ended = this.outcome.ready(status);
      if (ended) this.metrics.transaction(ended);
    }
    this.tracker?.readyForQuery(status);
    this.guard?.ready(status);
  }

  private onParameterStatus(body: Buffer): void {
    const [name, next] = readCString(body, 0);
    if (name === SEARCH_PATH) this.guard?.searchPathReported(readCString(body, next)[0]);
    if (name !== APPLICATION_NAME) return;
    this.applicationName = readCString(body, next)[0];
    if (this.authenticated) this.metrics.applicationChanged(this.applicationName);
  }
}
