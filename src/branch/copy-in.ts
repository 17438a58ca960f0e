// COPY ... FROM STDIN on a node-postgres client, fed chunk by chunk by a
// COPY TO on another connection (copy-out.ts), with no Node stream in
// between: a COPY TO yields one message per row, and a stream's machinery
// per row cost more than PostgreSQL's own work on it. Rows are gathered into
// CopyData messages of about BATCH_BYTES, framed here and written to the
// socket as they are. The object is a pg Submittable (the way pg-copy-streams
// hooks into pg); pg-copy-streams itself is a Node stream, which is the cost
// avoided here.
import type pg from 'pg';

interface PgConnection {
  readonly stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  query(text: string): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

const BATCH_BYTES = 64 * 1024;
/** CopyData: 'd', then the length of the message without the type byte. */
const COPY_DATA = 0x64;
const HEADER_BYTES = 5;

export class CopyIn {
  private batch = Buffer.allocUnsafe(HEADER_BYTES + BATCH_BYTES);
  private used = HEADER_BYTES;
  private connection: PgConnection | undefined;
  private ready: (() => void) | undefined;
  private settled: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private readonly failureListeners: Array<(error: Error) => void> = [];
  /** The server's error, once it stopped the COPY. */
  failure: Error | undefined;
  /** Rows the server says it stored (from CommandComplete "COPY n"). */
  rows = 0;

  private constructor(private readonly text: string) {}

  /** Starts the COPY on client; resolves once the server accepts data. */
  static async start(client: pg.ClientBase, text: string): Promise<CopyIn> {
    const copy = new CopyIn(text);
    await new Promise<void>((resolve, reject) => {
      copy.ready = resolve;
      copy.onFailure(reject);
      void client.query(copy as unknown as pg.QueryConfig);
    });
    return copy;
  }

  /** Called with the server's error if it stops the COPY (also told to later listeners). */
  onFailure(listener: (error: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /** Takes one chunk of COPY data (copied: the caller may reuse its buffer). */
  write(chunk: Uint8Array): void {
    if (this.failure) return;
    if (this.used + chunk.length > this.batch.length) {
      this.flush();
      if (chunk.length > BATCH_BYTES) {
        this.send(chunk);
        return;
      }
    }
    this.batch.set(chunk, this.used);
    this.used += chunk.length;
  }

  /** The socket's buffer is full: wait for drained() before writing more. */
  get full(): boolean {
    return this.connection?.stream.writableNeedDrain === true;
  }

  drained(listener: () => void): void {
    this.connection!.stream.once('drain', listener);
  }

  /** Ends the COPY; resolves to the rows stored, once the server confirmed them. */
  finish(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    this.flush();
    return new Promise<number>((resolve, reject) => {
      this.settled = { resolve: () => resolve(this.rows), reject };
      this.connection!.endCopyFrom();
    });
  }

  /** The source failed: the server drops what it got, and the connection stays usable. */
  abandon(message: string): void {
    if (!this.failure && this.connection) this.connection.sendCopyFail(message);
  }

  private flush(): void {
    if (this.used === HEADER_BYTES) return;
    const message = this.batch.subarray(0, this.used);
    message[0] = COPY_DATA;
    message.writeInt32BE(this.used - 1, 1);
    this.connection!.stream.write(message);
    // The socket may still hold the message: the next batch gets a buffer of its own.
    this.batch = Buffer.allocUnsafe(HEADER_BYTES + BATCH_BYTES);
    this.used = HEADER_BYTES;
  }

  private send(chunk: Uint8Array): void {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header[0] = COPY_DATA;
    header.writeInt32BE(chunk.length + 4, 1);
    this.connection!.stream.write(Buffer.concat([header, chunk]));
  }

  // pg's Submittable interface.
  submit(connection: PgConnection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  handleCopyInResponse(): void {
    this.ready?.();
  }

  handleCommandComplete(message: { text?: string }): void {
    const count = /COPY (\d+)/.exec(message.text ?? '');
    if (count) this.rows = Number(count[1]);
  }

  handleReadyForQuery(): void {
    const settled = this.settled;
    this.settled = undefined;
    if (this.failure) settled?.reject(this.failure);
    else settled?.resolve();
  }

  handleError(error: Error): void {
    // The server stopped the COPY. pg forgets this query now (its
    // ReadyForQuery does not reach us), so settle here.
    this.failure = error;
    const settled = this.settled;
    this.settled = undefined;
    settled?.reject(error);
    for (const listener of this.failureListeners.splice(0)) listener(error);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
