// Sessions whose transaction may be committing schema changes right now:
// from the moment a statement that may be DDL is sent (the server can commit
// it before any reply) to the ReadyForQuery that ends the transaction, when
// its change set has been handed to the recorder. Reconciliation waits for
// those that were under way while it read the catalog, so it never records
// as `detected` a change that an observed commit is about to record.

export class DdlInFlight {
  private nextId = 1;
  /** Open ids per database. */
  private readonly open = new Map<string, Set<number>>();
  private readonly waiters = new Set<() => void>();

  /** Marks one transaction as under way; the returned function ends it (idempotent). */
  begin(database: string): () => void {
    const id = this.nextId++;
    let ids = this.open.get(database);
    if (!ids) this.open.set(database, (ids = new Set()));
    ids.add(id);
    return () => {
      if (!ids.delete(id)) return;
      for (const wake of [...this.waiters]) wake();
    };
  }

  /** Every transaction begun so far has an id at most this. */
  get mark(): number {
    return this.nextId - 1;
  }

  /** Resolves once no transaction of this database begun at or before `mark` is still under way. */
  async settled(database: string, mark: number): Promise<void> {
    while (this.hasOpen(database, mark)) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  private hasOpen(database: string, mark: number): boolean {
    for (const id of this.open.get(database) ?? []) if (id <= mark) return true;
    return false;
  }
}
