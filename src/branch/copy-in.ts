// COPY ... FROM STDIN as a Writable on a node-postgres client, the way
// pg-copy-streams does it (a Submittable that pg hands the COPY messages to).
// Written here because postgres.js loses an error the server sends during
// COPY FROM (its writable never finishes), and pg-copy-streams is not a
// dependency. Backpressure follows the socket's own. Chunks are gathered
// into CopyData messages of about BATCH_BYTES: a COPY TO stream yields one
// chunk per row, and one socket write per row costs more than the copy.
import { Writable } from 'node:stream';
import type pg from 'pg';

interface PgConnection {
  readonly stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

const BATCH_BYTES = 64 * 1024;

export class CopyIn extends Writable {
  private batch: Buffer[] = [];
  private batched = 0;
  private connection: PgConnection | undefined;
  private ready: (() => void) | undefined;
  private finished: ((error?: Error | null) => void) | undefined;
  private failure: Error | undefined;
  /** Rows the server says it stored (from CommandComplete "COPY n"). */
  rows = 0;

  constructor(private readonly text: string) {
    super();
  }

  /** Starts the COPY on client; resolves to this stream once the server accepts data. */
  static async start(client: pg.ClientBase, text: string): Promise<CopyIn> {
    const copy = new CopyIn(text);
    const accepted = new Promise<void>((resolve, reject) => {
      copy.ready = resolve;
      copy.once('error', reject);
    });
    void client.query(copy as unknown as pg.QueryConfig);
    await accepted;
    return copy;
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
    const finished = this.finished;
    this.finished = undefined;
    if (finished) finished(this.failure ?? null);
    else if (this.failure) this.destroy(this.failure);
  }

  handleError(error: Error): void {
    // The server stopped the COPY. pg forgets this query now (its
    // ReadyForQuery does not reach us), so end the stream here.
    this.failure = error;
    const finished = this.finished;
    this.finished = undefined;
    if (finished) finished(error);
    else this.destroy(error);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    this.batch.push(chunk);
    this.batched += chunk.length;
    if (this.batched < BATCH_BYTES) return callback();
    const connection = this.connection!;
    this.flush();
    if (connection.stream.writableNeedDrain) connection.stream.once('drain', () => callback());
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    this.flush();
    this.finished = callback;
    this.connection!.endCopyFrom();
  }

  private flush(): void {
    if (this.batched === 0) return;
    this.connection!.sendCopyFromChunk(this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batched));
    this.batch = [];
    this.batched = 0;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Cut off by the source: tell the server, so the connection stays usable.
    if (error && !this.failure && this.connection) this.connection.sendCopyFail(error.message);
    callback(error);
  }
}
