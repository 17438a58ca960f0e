// One SerialQueue per database: each database's commits are written in
// order, one write at a time, while databases (different branches, each
// with its own lock in the store) are written side by side. A queue is
// dropped once it is empty.
import { SerialQueue, type SerialQueueOptions } from './serial-queue.js';

export class DatabaseQueues<T> {
  private readonly queues = new Map<string, SerialQueue<T>>();

  constructor(
    private readonly run: (job: T) => Promise<void>,
    /** For each database's queue: `limit` counts that database's jobs. */
    private readonly options: SerialQueueOptions<T> = {},
  ) {}

  /** Jobs queued in every database. */
  get length(): number {
    let length = 0;
    for (const queue of this.queues.values()) length += queue.length;
    return length;
  }

  /** Resolves once the job has run (or failed, or was dropped). */
  push(database: string, job: T): Promise<void> {
    let queue = this.queues.get(database);
    if (!queue) this.queues.set(database, (queue = new SerialQueue(this.run, this.options)));
    const done = queue.push(job);
    void queue.idle().then(() => {
      if (this.queues.get(database) === queue && queue.length === 0) this.queues.delete(database);
    });
    return done;
  }

  /** The jobs of this database queued behind the one running now, in order. */
  waiting(database: string): readonly T[] {
    return this.queues.get(database)?.waiting() ?? [];
  }

  /** Resolves once every queue is empty. */
  async idle(): Promise<void> {
    do await Promise.all([...this.queues.values()].map((queue) => queue.idle()));
    while (this.length > 0);
  }
}
