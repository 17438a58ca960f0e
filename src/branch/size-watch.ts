// Branch and store sizes, read every minute off the forwarding path, for
// pggit_branch_size_bytes and pggit_store_size_bytes; a branch that grows
// over --branch-size-warn is logged once when it crosses (and once when it
// falls back under), not at every reading.
import type { Logger } from 'pino';
import { storeSizeBytes, type HistoryStore } from '../store/index.js';
import { withDatabase, type BranchContext } from './admin.js';
import { databaseSizes } from './database-sizes.js';

export interface BranchSize {
  readonly database: string;
  readonly branch: string;
  readonly bytes: number;
}

/** Where the readings go (ProxyMetrics). */
export interface SizeSink {
  branchSizes(sizes: readonly BranchSize[]): void;
  storeSize(bytes: number): void;
}

export interface SizeWatchOptions {
  readonly context: BranchContext;
  readonly logger: Logger;
  readonly sink?: SizeSink | undefined;
  readonly warnBytes?: number | undefined;
  readonly intervalMs?: number | undefined;
}

export class SizeWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** database\0branch of the branches over the warning at the last reading. */
  private readonly over = new Set<string>();

  constructor(private readonly options: SizeWatchOptions) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops reading; waits for a reading under way at most a moment (a store that hangs must not hold up shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timeout = setTimeout(resolve, 2_000)))]);
    clearTimeout(timeout);
  }

  /** One reading (skipped while the previous one still runs); failures are logged, never thrown. */
  refresh(): Promise<void> {
    this.running ??= this.read()
      .catch((error: unknown) => this.options.logger.debug({ err: error }, 'could not read branch sizes'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async read(): Promise<void> {
    const { context, sink } = this.options;
    const store: HistoryStore = context.store;
    await store.ensureReady();
    const { rows } = await store.pool.query<{ repository: string; branch: string; database: string }>(
      `SELECT r.name AS repository, b.name AS branch, b.database
         FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id WHERE b.deleted_at IS NULL`,
    );
    const sizes = await withDatabase(context, undefined, (admin) => databaseSizes(admin, rows.map((row) => row.database)));
    const readings = rows.flatMap((row) => {
      const bytes = sizes.get(row.database);
      return bytes === undefined ? [] : [{ database: row.repository, branch: row.branch, bytes }];
    });
    sink?.branchSizes(readings);
    sink?.storeSize(await storeSizeBytes(store.pool));
    this.warn(readings);
  }

  private warn(readings: readonly BranchSize[]): void {
    const limit = this.options.warnBytes;
    if (limit === undefined) return;
    const now = new Set<string>();
    for (const reading of readings) {
      const key = `${reading.database}\0${reading.branch}`;
      if (reading.bytes <= limit) continue;
      now.add(key);
      if (!this.over.has(key)) this.options.logger.warn({ ...reading, warnBytes: limit }, 'branch is over --branch-size-warn');
    }
    for (const key of this.over) {
      if (now.has(key)) continue;
      const [database, branch] = key.split('\0');
      this.options.logger.info({ database, branch, warnBytes: limit }, 'branch is back under --branch-size-warn');
    }
    this.over.clear();
    for (const key of now) this.over.add(key);
  }
}
