import { describe, expect, it } from 'vitest';
import { DatabaseQueues } from './database-queues.js';

interface Job {
  readonly database: string;
  readonly n: number;
  /** Settles the job's run. */
  readonly gate: Promise<void>;
}

function gated(database: string, n: number): { job: Job; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return { job: { database, n, gate }, open };
}

describe('write queues per database', () => {
  it('runs each database in order, one job at a time, and databases side by side', async () => {
    const running = new Set<string>();
    const order: string[] = [];
    const queues = new DatabaseQueues<Job>(async (job) => {
      expect(running.has(job.database)).toBe(false);
      running.add(job.database);
      order.push(`${job.database}${job.n}`);
      await job.gate;
      running.delete(job.database);
    });
    const a1 = gated('a', 1);
    const a2 = gated('a', 2);
    const b1 = gated('b', 1);
    void queues.push('a', a1.job);
    void queues.push('a', a2.job);
    const b1Done = queues.push('b', b1.job);
    // b's first job runs while a's first is still under way.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a1', 'b1']);
    expect(queues.length).toBe(3);
    expect(queues.waiting('a')).toEqual([a2.job]);
    b1.open();
    await b1Done;
    expect(order).toEqual(['a1', 'b1']);
    a1.open();
    a2.open();
    await queues.idle();
    expect(order).toEqual(['a1', 'b1', 'a2']);
    expect(queues.length).toBe(0);
    expect(queues.waiting('a')).toEqual([]);
  });

  it('limits each database on its own: the oldest job of a full one is dropped', async () => {
    const dropped: number[] = [];
    const gates: Array<() => void> = [];
    const queues = new DatabaseQueues<Job>((job) => job.gate, { limit: 2, onDrop: (job) => dropped.push(job.n) });
    for (let n = 1; n <= 3; n++) {
      const { job, open } = gated('a', n);
      gates.push(open);
      void queues.push('a', job);
    }
    const other = gated('b', 9);
    gates.push(other.open);
    void queues.push('b', other.job);
    expect(dropped).toEqual([1]);
    expect(queues.length).toBe(3);
    for (const open of gates) open();
    await queues.idle();
    expect(queues.length).toBe(0);
  });
});
