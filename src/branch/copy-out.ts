// COPY ... TO STDOUT on a node-postgres client, each CopyData message handed
// straight to a COPY FROM STDIN on another connection (copy-in.ts), counted
// as it passes: PostgreSQL sends one CopyData message per row (the protocol
// says so), so the rows are counted without parsing them. In binary, the
// file header rides with the first row and the trailer (-1) comes alone, or
// with the header when the table is empty. When the target's socket is full
// the source's socket is paused until it drains: nothing is buffered whole.
import type pg from 'pg';
import type { CopyIn } from './copy-in.js';
import type { CopyCounter } from './copy-progress.js';

interface PgConnection {
  readonly stream: NodeJS.ReadableStream;
  query(text: string): void;
}

const TRAILER = 2;
const HEADER_AND_TRAILER = 21;

export class CopyOut implements CopyCounter {
  rows = 0;
  bytes = 0;
  private first = true;
  private paused = false;
  private connection: PgConnection | undefined;
  private resolve: (() => void) | undefined;
  private reject: ((error: Error) => void) | undefined;

  /** onChunk: told after each message passed (progress). */
  constructor(
    private readonly text: string,
    private readonly binary: boolean,
    private readonly into: CopyIn,
    private readonly onChunk: () => void,
  ) {}

  /** Runs the COPY TO STDOUT on source into `into`; resolves when the source is done (the caller then finishes `into`). */
  run(source: pg.ClientBase): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      // The target stopped (a constraint, a permission): no use reading on.
      this.into.onFailure((error) => this.fail(error));
      void source.query(this as unknown as pg.QueryConfig);
    });
  }

  // pg's Submittable interface.
  submit(connection: PgConnection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }, connection: PgConnection): void {
    const { chunk } = message;
    this.bytes += chunk.length;
    if (!this.binary || !this.isTrailer(chunk)) this.rows++;
    this.first = false;
    this.into.write(chunk);
    if (this.into.full && !this.paused) {
      this.paused = true;
      connection.stream.pause();
      this.into.drained(() => {
        this.paused = false;
        connection.stream.resume();
      });
    }
    this.onChunk();
  }

  handleReadyForQuery(): void {
    this.resolve?.();
  }

  handleError(error: Error): void {
    this.into.abandon(error.message);
    this.fail(error);
  }

  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}

  private fail(error: Error): void {
    // A paused socket would never see the connection end.
    if (this.paused) this.connection?.stream.resume();
    const reject = this.reject;
    this.resolve = undefined;
    this.reject = undefined;
    reject?.(error);
  }

  private isTrailer(chunk: Buffer): boolean {
    const alone = chunk.length === TRAILER || (this.first && chunk.length === HEADER_AND_TRAILER);
    return alone && chunk.readInt16BE(chunk.length - 2) === -1;
  }
}
