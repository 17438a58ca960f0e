// Queries of pggit's own on a client's upstream connection, inside the
// client's transaction (the snapshot read before its COMMIT, see
// session.ts). The relay writes them while the client's bytes wait and
// hands every server byte here until they are answered; the client never
// sees any of it.
//
// It offers the part of pg's client that a catalog read uses (query,
// getTransactionStatus, pipelining), encoded and decoded by pg's own
// protocol library and type parsers, so rows come out as a pg.Pool's would.
// Named prepared statements would outlive the read on the client's session:
// every query uses the unnamed statement (the client's COMMIT, a simple
// Query or a Parse, replaces it anyway).
import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { BackendMessage, DataRowMessage, RowDescriptionMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import utils from 'pg/lib/utils.js';

/** A query as the catalog read passes it (its name is ignored, see above). */
export interface QueryConfig {
  readonly text: string;
  readonly values?: readonly unknown[] | undefined;
  readonly name?: string | undefined;
}

interface Pending {
  readonly resolve: (result: { rows: Array<Record<string, unknown>> }) => void;
  readonly reject: (error: Error) => void;
  rows: Array<Record<string, unknown>>;
  parsers: Array<{ readonly name: string; readonly parse: (text: string) => unknown }>;
  error: Error | undefined;
}

export class InjectedQueries {
  /** withCatalogSession sends independent queries at once. */
  readonly pipeline = true;
  private readonly parser = new Parser();
  private readonly pending: Pending[] = [];
  private status: 'I' | 'T' | 'E' = 'T';
  private idleWaiters: Array<() => void> = [];

  /** `write` sends bytes to the server; `forward` passes a message the client must still get (a notification). */
  constructor(
    private readonly write: (bytes: Buffer) => void,
    private readonly forward: (message: Buffer) => void,
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

  query(text: string | QueryConfig, values?: readonly unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> {
    const config = typeof text === 'string' ? { text, values } : text;
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, rows: [], parsers: [], error: undefined });
      this.write(encode(config));
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
        return;
      case 'error':
        if (current) current.error ??= message as unknown as Error;
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

  private answered(status: 'I' | 'T' | 'E'): void {
    this.status = status;
    const done = this.pending.shift();
    if (done?.error) done.reject(done.error);
    else done?.resolve({ rows: done.rows });
    if (this.pending.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** A query with values goes as Parse/Bind/Execute, one without as a simple Query (it may hold several statements). */
function encode(config: QueryConfig): Buffer {
  if (config.values === undefined) return serialize.query(config.text);
  return Buffer.concat([
    serialize.parse({ text: config.text }),
    serialize.bind({ values: [...config.values], valueMapper: (value: unknown) => utils.prepareValue(value) }),
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
