// A soak of `pggit proxy`: pgbench select-only at a steady rate plus a DDL
// transaction every few seconds, through one proxy process, sampled from its
// /metrics every interval: RSS, heap, event-loop lag, open handles and fds,
// recorder lag and queue. At the end, the slope of RSS and heap (least
// squares, per minute) over the samples after the first.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import pg from 'pg';
import { scrape, total, type Scrape } from '../../bench/scrape.js';
import type { CollectedMemory } from '../fuzz/collected-memory.js';

export interface SoakOptions {
  readonly pgbench: string;
  readonly proxyPort: number;
  readonly http: string;
  readonly database: string;
  readonly seconds: number;
  readonly sampleSeconds: number;
  /** pgbench transactions per second (-R) and clients. */
  readonly rate: number;
  readonly clients: number;
  readonly ddlEverySeconds: number;
  readonly log: (line: string) => void;
  /** The proxy's memory after a full collection: taken after the first sample and once the load has stopped. */
  readonly collect: () => Promise<CollectedMemory>;
}

export interface SoakSample {
  readonly minute: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly lagP99Ms: number;
  readonly handles: number;
  readonly fds: number;
  /** Mean recorder lag of the commits recorded during the interval. */
  readonly recorderLagMs: number;
  readonly queue: number;
  readonly commits: number;
  /** The machine's 1-minute load average (the machine may be shared). */
  readonly load: number;
}

export interface SoakReport {
  readonly samples: SoakSample[];
  readonly rssSlopeMbPerMinute: number;
  readonly heapSlopeMbPerMinute: number;
  readonly ddlTransactions: number;
  readonly ddlErrors: string[];
  readonly pgbenchOutput: string;
  readonly pgbenchExit: number | null;
  readonly collectedAfterFirstSample: CollectedMemory;
  readonly collectedAtEnd: CollectedMemory;
}

function slope(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const pgbench = spawn(
    options.pgbench,
    ['-n', '-S', '-c', String(options.clients), '-j', '1', '-R', String(options.rate), '-T', String(options.seconds), '-h', '127.0.0.1', '-p', String(options.proxyPort), '-U', 'postgres', options.database],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let pgbenchOutput = '';
  pgbench.stdout.on('data', (chunk: Buffer) => (pgbenchOutput += chunk.toString()));
  pgbench.stderr.on('data', (chunk: Buffer) => (pgbenchOutput += chunk.toString()));
  const pgbenchDone = new Promise<number | null>((resolve) => pgbench.once('exit', (code) => resolve(code)));

  // DDL: a new table every few seconds, the one from ten steps ago dropped, so the schema stays the same size.
  const ddl = new pg.Client({ host: '127.0.0.1', port: options.proxyPort, user: 'postgres', database: options.database, application_name: 'soak-ddl' });
  await ddl.connect();
  const ddlErrors: string[] = [];
  let ddlTransactions = 0;
  // One at a time: a tick while the previous transaction is still held waits for it.
  let ddlInFlight = Promise.resolve();
  const ddlTimer = setInterval(() => {
    const n = ddlTransactions++;
    const statements = `BEGIN; CREATE TABLE soak_${n} (id bigint PRIMARY KEY, note text); CREATE INDEX ON soak_${n} (note); ${n >= 10 ? `DROP TABLE soak_${n - 10};` : ''} COMMIT`;
    ddlInFlight = ddlInFlight.then(() => ddl.query(statements)).then(
      () => undefined,
      (error: Error) => void ddlErrors.push(error.message),
    );
  }, options.ddlEverySeconds * 1000);

  const samples: SoakSample[] = [];
  let previous: Scrape = await scrape(`${options.http}/metrics`);
  const sample = async (): Promise<void> => {
    const now = await scrape(`${options.http}/metrics`);
    const delta = (name: string): number => total(now, name) - total(previous, name);
    const lagCount = delta('pggit_recorder_lag_seconds_count');
    const row: SoakSample = {
      minute: (Date.now() - started) / 60_000,
      rssMb: total(now, 'process_resident_memory_bytes') / 1024 / 1024,
      heapMb: total(now, 'nodejs_heap_size_used_bytes') / 1024 / 1024,
      lagP99Ms: total(now, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      handles: total(now, 'nodejs_active_handles_total'),
      fds: total(now, 'process_open_fds'),
      recorderLagMs: lagCount > 0 ? (delta('pggit_recorder_lag_seconds_sum') / lagCount) * 1000 : 0,
      queue: total(now, 'pggit_recorder_queue_depth'),
      commits: lagCount,
      load: loadavg()[0]!,
    };
    previous = now;
    samples.push(row);
    options.log(
      `${row.minute.toFixed(1).padStart(6)}  ${row.rssMb.toFixed(1).padStart(8)}  ${row.heapMb.toFixed(1).padStart(8)}  ${row.lagP99Ms.toFixed(1).padStart(9)}  ${String(row.handles).padStart(7)}  ${String(row.fds).padStart(5)}  ${row.recorderLagMs.toFixed(1).padStart(15)}  ${String(row.queue).padStart(5)}  ${String(row.commits).padStart(7)}  ${row.load.toFixed(1).padStart(5)}`,
    );
  };
  options.log('minute    RSS MB   heap MB  lag p99 ms  handles    fds  recorder lag ms  queue  commits   load');
  let firstCollected: Promise<CollectedMemory> | undefined;
  const sampler = setInterval(() => {
    void sample()
      .then(() => (firstCollected ??= options.collect()))
      .catch((error: Error) => options.log(`sample failed: ${error.message}`));
  }, options.sampleSeconds * 1000);
  const pgbenchExit = await pgbenchDone;
  clearInterval(sampler);
  clearInterval(ddlTimer);
  await ddlInFlight;
  await sample();
  await ddl.end();
  const collectedAfterFirstSample = await (firstCollected ?? options.collect());
  const collectedAtEnd = await options.collect();
  const after = samples.slice(1);
  return {
    samples,
    rssSlopeMbPerMinute: slope(after.map((s) => [s.minute, s.rssMb] as const)),
    heapSlopeMbPerMinute: slope(after.map((s) => [s.minute, s.heapMb] as const)),
    ddlTransactions,
    ddlErrors,
    pgbenchOutput,
    pgbenchExit,
    collectedAfterFirstSample,
    collectedAtEnd,
  };
}
