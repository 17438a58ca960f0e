// The server's reply to a query of pggit's own that went in the same write
// as the client's bytes, right before them (the BEGIN of an autocommit
// statement run in a block, see read-ahead.ts): taken off the server's
// stream up to its ReadyForQuery; what follows it is the client's.
//
// The usual reply is CommandComplete "BEGIN" + ReadyForQuery 'T', 17 bytes,
// but it may come split across reads, or with a notice, a notification or
// an error: everything is framed, none of it is guessed.
import { BackendCode, errorFields, transactionStatus } from '../protocol/index.js';

/** The reply's messages are small (a tag, a notice): a longer length is not the reply's. */
const MAX_REPLY_MESSAGE = 1024 * 1024;

export interface LeadingReplyEvents {
  /** A NotificationResponse that came meanwhile: the client must still get it. */
  notification(message: Buffer): void;
  /**
   * The reply is over: its ReadyForQuery's status, and the server's bytes
   * after it (the client's, from a message boundary; may be empty).
   */
  done(status: 'I' | 'T' | 'E', rest: Buffer): void;
  /**
   * The server's bytes stopped being the reply's (a FATAL error, a length
   * no reply has): they go on to the client, from `rest` on, as they came.
   */
  passOn(rest: Buffer): void;
}

export class LeadingReply {
  private pending: Buffer | undefined;
  private over = false;

  constructor(private readonly events: LeadingReplyEvents) {}

  /** Server bytes (the caller's own copy: parts of it may be kept). */
  push(chunk: Buffer): void {
    if (this.over) throw new Error('LeadingReply: bytes after the reply was over');
    const bytes = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let at = 0;
    while (bytes.length - at >= 5) {
      const code = bytes[at]!;
      const length = bytes.readInt32BE(at + 1);
      if (length < 4 || length > MAX_REPLY_MESSAGE) return this.finish(() => this.events.passOn(bytes.subarray(at)));
      const end = at + 1 + length;
      if (end > bytes.length) break;
      if (code === BackendCode.ReadyForQuery) {
        const status = transactionStatus(bytes, at + 5, end);
        return this.finish(() => this.events.done(status, bytes.subarray(end)));
      }
      if (code === BackendCode.ErrorResponse && isFatal(bytes.subarray(at + 5, end))) {
        return this.finish(() => this.events.passOn(bytes.subarray(at)));
      }
      if (code === BackendCode.NotificationResponse) this.events.notification(bytes.subarray(at, end));
      // CommandComplete, a notice, ParameterStatus, an error of the BEGIN's
      // own (its ReadyForQuery then says it did not take): not the client's.
      at = end;
    }
    if (at < bytes.length) this.pending = bytes.subarray(at);
  }

  private finish(report: () => void): void {
    this.over = true;
    report();
  }
}

function isFatal(body: Buffer): boolean {
  const { severity } = errorFields(body);
  return severity === 'FATAL' || severity === 'PANIC';
}
