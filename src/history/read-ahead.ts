// A transaction's schema read inside it, just before its COMMIT goes
// (DESIGN.md, Exactness; Recorder.planReadAhead makes one). The handle keeps
// what became of its read: the commit's place in the write queue, taken
// before the COMMIT went, and what the read found, until the COMMIT's answer
// says whether the commit stands (Recorder.submit) or not (unused).
import type { ChangeSet } from '../ddl/index.js';
import type { CatalogClient } from './catalog/index.js';
import type { ObservedRead } from './observed-read.js';
import type { SchemaChangeHold } from './schema-change-lock.js';

/**
 * A read ahead's place in the write queue, taken before its COMMIT went:
 * settled with the change set the COMMIT committed (the read stands for it),
 * or undefined (nothing to write).
 */
export type ReservedCommit = (committed: ChangeSet | undefined) => void;

/** What a read ahead needs of the recorder. */
export interface ReadAheadWork {
  /** Reads the transaction's schema on `client`, inside it; undefined when the read failed. */
  readonly read: (client: CatalogClient) => Promise<ObservedRead | undefined>;
  /** Queues the commit of what the read found (it takes the hold over). */
  readonly reserve: (found: ObservedRead, hold: SchemaChangeHold) => ReservedCommit;
  /** The COMMIT may have committed without an answer: reconcile the database. */
  readonly reconcile: () => void;
}

export class ReadAhead {
  private ended = false;
  private reserved: ReservedCommit | undefined;

  constructor(
    private readonly work: ReadAheadWork,
    /** The attribution lock, held from the plan on (the session's own hold may end before the COMMIT). */
    private readonly hold: SchemaChangeHold,
  ) {}

  /** Reads on `client`, inside the transaction; settles once the read is over, whatever it found (the COMMIT waits for it). */
  async read(client: CatalogClient): Promise<void> {
    const found = await this.work.read(client);
    if (found !== undefined && !this.ended) this.reserved = this.work.reserve(found, this.hold);
  }

  /**
   * The COMMIT committed these schema changes: true when the read stands
   * for them (its reserved commit is written), false when there is none
   * (the caller reads after the commit, and then calls unused).
   */
  committed(changeSet: ChangeSet): boolean {
    const reserved = this.reserved;
    if (reserved === undefined || this.ended) return false;
    this.ended = true;
    this.reserved = undefined;
    reserved(changeSet);
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
}
