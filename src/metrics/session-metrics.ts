// What one session counts. Its cells are found once (LabelCells), so each
// call here is an array index and a few number updates: no strings, no maps.
import { DDL_COMMAND, ERROR_COMMAND, commandOfTag } from './command-tag.js';
import type { ApplicationCells, LabelCells } from './label-cells.js';

export interface SessionMetrics {
  /** Bytes forwarded from the client to the server. */
  bytesFromClient(n: number): void;
  /** Bytes forwarded from the server to the client. */
  bytesFromServer(n: number): void;
  /**
   * A statement finished: `tag` is the CommandComplete body, or holds it at
   * [start, end) (borrowed, read in place), `seconds` its duration, or a
   * negative number when unknown (then only the counter moves).
   */
  commandComplete(tag: Buffer, seconds: number, start?: number, end?: number): void;
  /** A statement failed: counted with command `ERROR` and by SQLSTATE class. */
  error(sqlstate: string, seconds: number): void;
  /** A statement the DDL watcher knows changed the schema: command `DDL`. Call it instead of commandComplete. */
  ddl(seconds: number): void;
  transaction(outcome: 'commit' | 'rollback'): void;
  /** The server reported a new application_name (ParameterStatus): later statements count under it. */
  applicationChanged(applicationName: string): void;
  /** The session ended: the connection gauge goes down once, however often this is called. */
  close(): void;
}

export class LiveSessionMetrics implements SessionMetrics {
  private closed = false;

  constructor(
    private readonly cells: LabelCells,
    private application: ApplicationCells,
  ) {}

  bytesFromClient(n: number): void {
    this.cells.bytesToServer.value += n;
  }

  bytesFromServer(n: number): void {
    this.cells.bytesToClient.value += n;
  }

  commandComplete(tag: Buffer, seconds: number, start = 0, end = tag.length): void {
    this.statement(commandOfTag(tag, start, end), seconds);
  }

  error(sqlstate: string, seconds: number): void {
    this.cells.error(this.application.branch, sqlstate).value++;
    this.statement(ERROR_COMMAND, seconds);
  }

  ddl(seconds: number): void {
    this.statement(DDL_COMMAND, seconds);
  }

  transaction(outcome: 'commit' | 'rollback'): void {
    const branch = this.application.branch;
    if (outcome === 'commit') branch.commits.value++;
    else branch.rollbacks.value++;
  }

  applicationChanged(applicationName: string): void {
    this.application = this.cells.application(this.application.branch, applicationName);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.application.branch.connections.value--;
  }

  private statement(command: number, seconds: number): void {
    const app = this.application;
    (app.statements[command] ?? this.cells.statement(app, command)).value++;
    // Negative (or NaN): the duration is unknown; count the statement, time nothing.
    if (!(seconds >= 0)) return;
    (app.branch.durations[command] ?? this.cells.duration(app.branch, command)).observe(seconds);
  }
}

const noop = (): void => {};

/** A SessionMetrics that counts nothing, for `--metrics off` (and benchmarks against it). */
export const NO_SESSION_METRICS: SessionMetrics = Object.freeze({
  bytesFromClient: noop,
  bytesFromServer: noop,
  commandComplete: noop,
  error: noop,
  ddl: noop,
  transaction: noop,
  applicationChanged: noop,
  close: noop,
});
