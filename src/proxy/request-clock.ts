// Pairs server replies with the requests that caused them, to time each
// statement from the first byte of its request. Replies come in request
// order, so a FIFO suffices even when the client pipelines. A fixed ring
// keeps the hot path free of allocation.

const enum Kind {
  /** Simple Query or FunctionCall: ends at ReadyForQuery. */
  Query = 0,
  /** Execute: ends at its CommandComplete / ErrorResponse / PortalSuspended. */
  Execute = 1,
  /** Sync: ends at ReadyForQuery. */
  Sync = 2,
}

const INITIAL_CAPACITY = 64;

export class RequestClock {
  private kinds = new Uint8Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  private head = 0;
  private size = 0;

  query(now: number): void {
    this.push(Kind.Query, now);
  }

  execute(now: number): void {
    this.push(Kind.Execute, now);
  }

  /** A Sync is timed by nothing (its replies are), so it costs no clock read. */
  sync(): void {
    this.push(Kind.Sync, 0);
  }

  /**
   * A statement finished (CommandComplete, EmptyQuery, PortalSuspended or
   * ErrorResponse): seconds since its request began, or -1 when no request
   * is pending (a reply the proxy did not see requested).
   */
  statementDone(now: number, failed: boolean): number {
    if (this.size === 0) return -1;
    const kind = this.kinds[this.head]!;
    const seconds = (now - this.times[this.head]!) / 1000;
    if (kind === Kind.Execute) {
      this.shift();
      // After an error the server skips everything up to the next Sync.
      if (failed) while (this.size > 0 && this.kinds[this.head] === Kind.Execute) this.shift();
    }
    return kind === Kind.Sync ? -1 : seconds;
  }

  /** ReadyForQuery ends the oldest Query or Sync and everything before it. */
  ready(): void {
    while (this.size > 0) {
      const kind = this.kinds[this.head]!;
      this.shift();
      if (kind !== Kind.Execute) return;
    }
  }

  get pending(): number {
    return this.size;
  }

  private push(kind: Kind, now: number): void {
    if (this.size === this.kinds.length) this.grow();
    const tail = (this.head + this.size) % this.kinds.length;
    this.kinds[tail] = kind;
    this.times[tail] = now;
    this.size++;
  }

  private shift(): void {
    this.head = (this.head + 1) % this.kinds.length;
    this.size--;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const kinds = new Uint8Array(capacity);
    const times = new Float64Array(capacity);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) % this.kinds.length;
      kinds[i] = this.kinds[from]!;
      times[i] = this.times[from]!;
    }
    this.kinds = kinds;
    this.times = times;
    this.head = 0;
  }
}
