// Queries of pggit's own on a client's upstream connection, inside the
// client's transaction (the snapshot read before its COMMIT, see
// session.ts). The relay writes them while the client's bytes wait and
// hands every server byte here until they are answered; the client never
// sees any of it.
//
// It offers the part of pg's client that a catalog read uses (query,
// getTransactionStatus, pipelining), encoded and decoded by pg's own
// protocol library and type parsers, so rows come out as a pg.Pool's would.
// A named query is prepared once per session (planning is most of a scoped
// read's cost), as on the recorder's own connections: the session then
// holds pggit's statements (pggit_catalog_*, in pg_prepared_statements).
// One the client dropped (DEALLOCATE ALL, DISCARD ALL) fails the read once
// (it is read after the commit then) and is prepared again next time.
import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { BackendMessage, CommandCompleteMessage, DatabaseError, DataRowMessage, RowDescriptionMessage } from 'pg-protocol/dist/messages.js';
import { encodeErrorResponse } from '../protocol/index.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import utils from 'pg/lib/utils.js';

/** A query as the catalog read passes it (its name is ignored, see above). */
export interface QueryConfig {
  readonly text: string;
  readonly values?: readonly unknown[] | undefined;
  readonly name?: string | undefined;
}

/** What a query returned: its rows, and its last CommandComplete's tag ('COMMIT', or 'ROLLBACK' for a COMMIT of a failed transaction). */
export interface InjectedResult {
  readonly rows: Array<Record<string, unknown>>;
  readonly command?: string | undefined;
}

interface Pending {
  readonly resolve: (result: InjectedResult) => void;
  readonly reject: (error: Error) => void;
  rows: Array<Record<string, unknown>>;
  parsers: Array<{ readonly name: string; readonly parse: (text: string) => unknown }>;
  error: Error | undefined;
  command: string | undefined;
  /** The named statement it runs. */
  readonly statement: string | undefined;
}

export class InjectedQueries {
  /** withCatalogSession sends independent queries at once. */
  readonly pipeline = true;
  private readonly parser = new Parser();
  private readonly pending: Pending[] = [];
  private status: 'I' | 'T' | 'E' = 'T';
  private idleWaiters: Array<() => void> = [];
  /** The server ended the connection (a FATAL error): what is sent now is never answered. */
  private gone: DatabaseError | undefined;

  /**
   * `write` sends bytes to the server; `forward` passes a message the client
   * must still get (a notification); `fatal` the server's FATAL error (the
   * connection ends: the client must hear why, as without pggit);
   * `prepared` the statement names this session holds (kept by the caller
   * from one read to the next).
   */
  constructor(
    private readonly write: (bytes: Buffer) => void,
    private readonly forward: (message: Buffer) => void,
    private readonly fatal: (message: Buffer) => void,
    private readonly prepared: Set<string> = new Set(),
  ) {}

  getTransactionStatus(): 'I' | 'T' | 'E' {
    return this.status;
  }

  /** Nothing sent is still unanswered. */
  get idle(): boolean {
    return this.pending.length === 0;
  }

  /** Settles once every query sent so far is answered. */
  settled(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  query(text: string | QueryConfig, values?: readonly unknown[]): Promise<InjectedResult> {
    const config = typeof text === 'string' ? { text, values } : text;
    const name = config.values === undefined ? undefined : config.name;
    const parse = name !== undefined && !this.prepared.has(name);
    if (name !== undefined) this.prepared.add(name);
    return new Promise((resolve, reject) => {
      if (this.gone !== undefined) return reject(this.gone);
      this.pending.push({ resolve, reject, rows: [], parsers: [], error: undefined, command: undefined, statement: name });
      this.write(encode(config, name, parse));
    });
  }

  /** Server bytes (a copy the caller no longer touches: the parser may keep part of it). */
  push(chunk: Buffer): void {
    this.parser.parse(chunk, (message) => this.onMessage(message));
  }

  private onMessage(message: BackendMessage): void {
    const current = this.pending[0];
    switch (message.name) {
      case 'rowDescription':
        if (current) current.parsers = (message as RowDescriptionMessage).fields.map((field) => ({ name: field.name, parse: pg.types.getTypeParser(field.dataTypeID, 'text') }));
        return;
      case 'dataRow':
        if (current) current.rows.push(rowOf(current.parsers, (message as DataRowMessage).fields as Array<string | null>));
        return;
      case 'commandComplete':
        if (current) current.command = (message as CommandCompleteMessage).text;
        return;
      case 'error':
        if (isFatal(message)) this.ended(message as unknown as DatabaseError);
        else if (current) current.error ??= message as unknown as Error;
        return;
      case 'notification':
        this.forward(serializeNotification(message));
        return;
      case 'readyForQuery':
        this.answered((message as unknown as { status: 'I' | 'T' | 'E' }).status);
        return;
      default:
      // ParseComplete, BindComplete, NoData, notices, ParameterStatus (a setting the read made and undid): nothing the read needs.
    }
  }

  /** The server ends the connection: every query fails with its error, and the client gets it. */
  private ended(error: DatabaseError): void {
    this.gone = error;
    for (const pending of this.pending.splice(0)) pending.reject(error);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.fatal(encodeErrorResponse({ severity: 'FATAL', sqlstate: error.code ?? '08006', message: error.message }));
  }

  private answered(status: 'I' | 'T' | 'E'): void {
    this.status = status;
    const done = this.pending.shift();
    // The client dropped them (DEALLOCATE ALL, DISCARD ALL): prepare all again next time.
    if ((done?.error as { code?: string } | undefined)?.code === UNDEFINED_STATEMENT) this.prepared.clear();
    if (done?.error) done.reject(done.error);
    else done?.resolve({ rows: done.rows, command: done.command });
    if (this.pending.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** SQLSTATE 26000, invalid_sql_statement_name: no prepared statement of that name. */
const UNDEFINED_STATEMENT = '26000';

/**
 * A query with values goes as Parse (unless `name` is prepared already) /
 * Bind / Execute; one without as a simple Query (it may hold several statements).
 */
function encode(config: QueryConfig, name: string | undefined, parse: boolean): Buffer {
  if (config.values === undefined) return serialize.query(config.text);
  return Buffer.concat([
    ...(parse ? [serialize.parse({ text: config.text, ...(name === undefined ? {} : { name }) })] : []),
    serialize.bind({ ...(name === undefined ? {} : { statement: name }), values: [...config.values], valueMapper: (value: unknown) => utils.prepareValue(value) }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
}

function rowOf(parsers: Pending['parsers'], fields: ReadonlyArray<string | null>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  parsers.forEach((column, index) => {
    const text = fields[index];
    row[column.name] = text === null || text === undefined ? null : column.parse(text);
  });
  return row;
}

/** A NotificationResponse as the server sent it (delivered to the client, not to the read). */
function serializeNotification(message: BackendMessage): Buffer {
  const { processId, channel, payload } = message as unknown as { processId: number; channel: string; payload: string };
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from(`${channel}\0${payload}\0`)]);
  body.writeInt32BE(processId, 0);
  const header = Buffer.alloc(5);
  header[0] = 0x41; // 'A'
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function isFatal(message: BackendMessage): boolean {
  const severity = (message as unknown as DatabaseError).severity;
  return severity === 'FATAL' || severity === 'PANIC';
}
