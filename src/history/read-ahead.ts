// A transaction's schema read inside it, just before its COMMIT goes
// (DESIGN.md, Exactness; Recorder.planReadAhead makes one). The handle keeps
// what became of its read: the commit's place in the write queue, taken the
// moment the read's end was sent (before anything can send the COMMIT), and
// what the read found, until the COMMIT's answer says whether the commit
// stands (Recorder.submit) or not (unused).
import type { ChangeSet } from '../ddl/index.js';
import type { CatalogClient } from './catalog/index.js';
import type { ObservedRead } from './observed-read.js';
import type { SchemaChangeHold } from './schema-change-lock.js';

/**
 * A read ahead's place in the write queue: settled with the change set the
 * COMMIT committed and the read that stands for it, or undefined (nothing to
 * write there).
 */
export type ReservedCommit = (committed: { readonly changeSet: ChangeSet; readonly found: ObservedRead } | undefined) => void;

/** What a read ahead needs of the recorder. */
export interface ReadAheadWork {
  /** Reads the transaction's schema on `client`, inside it (afterEnd: see readWithin); undefined when the read failed. */
  readonly read: (client: CatalogClient, afterEnd: (() => void) | undefined) => Promise<ObservedRead | undefined>;
  /** Queues a commit whose read is still to come (it takes the hold over). */
  readonly reserve: (hold: SchemaChangeHold) => ReservedCommit;
  /** The COMMIT may have committed without an answer: reconcile the database. */
  readonly reconcile: () => void;
}

export class ReadAhead {
  private ended = false;
  private reserved: ReservedCommit | undefined;
  private found: ObservedRead | undefined;

  constructor(
    private readonly work: ReadAheadWork,
    /** The attribution lock, held from the plan on (the session's own hold may end before the COMMIT). */
    private readonly hold: SchemaChangeHold,
  ) {}

  /**
   * Reads on `client`, inside the transaction; settles once the read is
   * over, whatever it found. `commit`, when given, sends the COMMIT: it is
   * called right behind the read's end, in the same round trip (the
   * commit's place in the write queue is taken first); if the read failed
   * before its end went, the caller sends the COMMIT itself.
   */
  async read(client: CatalogClient, commit?: () => void): Promise<void> {
    // Without a COMMIT behind it, the read keeps its retries (readScope) and reserves once it found the schema.
    const afterEnd = commit && ((): void => {
      this.reserve();
      commit();
    });
    const found = await this.work.read(client, afterEnd);
    if (found === undefined || this.ended) return;
    this.reserve();
    this.found = found;
  }

  /**
   * The COMMIT committed these schema changes: true when the read stands
   * for them (its reserved commit is written); false when the read failed
   * (the caller reads after the commit, and then calls unused).
   */
  committed(changeSet: ChangeSet): boolean {
    const { reserved, found } = this;
    if (reserved === undefined || found === undefined || this.ended) return false;
    this.ended = true;
    this.reserved = undefined;
    reserved({ changeSet, found });
    return true;
  }

  /**
   * The COMMIT was answered without committing schema changes, or
   * `maybeCommitted`: it went but its answer never came (the session ended):
   * reconciliation tells.
   */
  unused(maybeCommitted = false): void {
    if (this.ended) return;
    this.ended = true;
    const reserved = this.reserved;
    this.reserved = undefined;
    if (reserved) reserved(undefined);
    else this.hold.release();
    if (maybeCommitted) this.work.reconcile();
  }

  /** Takes the commit's place in the write queue (once): before the COMMIT goes. */
  private reserve(): void {
    if (!this.ended) this.reserved ??= this.work.reserve(this.hold);
  }
}
