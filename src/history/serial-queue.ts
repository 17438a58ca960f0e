// Runs jobs one at a time in arrival order. A job whose error is retryable
// stays at the head and is tried again after retryMs; beyond `limit` queued
// jobs the oldest is dropped (and reported).

export interface SerialQueueOptions<T> {
  readonly limit?: number;
  readonly retryMs?: number;
  readonly isRetryable?: (error: unknown) => boolean;
  readonly onDrop?: (job: T) => void;
  readonly onError?: (error: unknown, job: T) => void;
}

export class SerialQueue<T> {
  private readonly jobs: T[] = [];
  private readonly settled = new Map<T, () => void>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly run: (job: T) => Promise<void>,
    private readonly options: SerialQueueOptions<T> = {},
  ) {}

  get length(): number {
    return this.jobs.length;
  }

  /** The jobs queued behind the one running now, in order (to do some of them along with it). */
  waiting(): readonly T[] {
    return this.jobs.slice(1);
  }

  /** Resolves once the job has run (or failed, or was dropped). */
  push(job: T): Promise<void> {
    const done = new Promise<void>((resolve) => this.settled.set(job, resolve));
    this.jobs.push(job);
    const limit = this.options.limit ?? Infinity;
    while (this.jobs.length > limit) {
      const dropped = this.jobs.shift()!;
      this.settle(dropped);
      this.options.onDrop?.(dropped);
    }
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return done;
  }

  private settle(job: T): void {
    this.settled.get(job)?.();
    this.settled.delete(job);
  }

  /** Resolves once the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.jobs.length > 0) {
      const job = this.jobs[0]!;
      try {
        await this.run(job);
      } catch (error) {
        if (this.options.isRetryable?.(error)) {
          await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1_000));
          continue;
        }
        this.options.onError?.(error, job);
      }
      if (this.jobs[0] === job) this.jobs.shift();
      this.settle(job);
    }
  }
}
