// The requests still waiting for the server's answer, oldest first. Replies
// come back in request order, so the head is what the next reply answers.
// Slots are reused: a statement costs no allocation here.
import type { LeadClass } from './prefilter.js';
import type { PreparedStatement, QueryPart } from './query-parts.js';

/** A simple Query, an Execute, or a Sync (FunctionCall too: it is also answered by ReadyForQuery). */
export type PendingType = 'query' | 'execute' | 'sync';

export class PendingItem {
  type: PendingType = 'sync';
  sql = '';
  lead: LeadClass = 'other';
  /** Query: statements answered so far, i.e. the index of the statement the next reply is about. */
  replies = 0;
  /** Query: its statements, split once a later statement or DDL needs them. */
  parts: QueryPart[] | undefined;
  /** Execute of a named statement: where its parse is cached. */
  statement: PreparedStatement | undefined;
  /** Query: `sql` is only the start of the text (it was longer than the watcher reads). */
  cut = false;

  clear(): void {
    this.type = 'sync';
    this.sql = '';
    this.lead = 'other';
    this.replies = 0;
    this.parts = undefined;
    this.statement = undefined;
    this.cut = false;
  }
}

export class PendingRing {
  private slots: PendingItem[] = Array.from({ length: 16 }, () => new PendingItem());
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** A cleared slot at the tail, to fill in. */
  push(type: PendingType): PendingItem {
    if (this.count === this.slots.length) this.grow();
    const slot = this.slots[(this.head + this.count) % this.slots.length] as PendingItem;
    this.count++;
    slot.type = type;
    return slot;
  }

  peek(): PendingItem | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Drops the head (clearing it, so that its text can be collected). */
  shift(): void {
    if (this.count === 0) return;
    this.slots[this.head]?.clear();
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
  }

  private grow(): void {
    const ordered: PendingItem[] = [];
    for (let i = 0; i < this.count; i++) ordered.push(this.slots[(this.head + i) % this.slots.length] as PendingItem);
    const extra = Array.from({ length: this.slots.length }, () => new PendingItem());
    this.slots = [...ordered, ...extra];
    this.head = 0;
  }
}
