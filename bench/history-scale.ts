// History at scale (issue 15): a store with a long history over a large
// schema; `show HEAD`, `schema --at HEAD~N/2`, `log -n 20` timed through the
// same functions the CLI and the HTTP API call; the store's bytes per commit.
import pg from 'pg';
import { readLog, schemaAt, showCommit } from '../src/history/index.js';
import { openHistoryReader, openStore } from '../src/store/index.js';
import { generateHistory } from './history-generate.js';
import { median } from './summary.js';

/** Issue 15: each read under this at commit 100,000. */
const GOAL_MS = 200;
const RUNS = 5;

export interface HistoryTiming {
  readonly command: string;
  /** The first run (cold caches in the process), then the median of the rest. */
  readonly firstMs: number;
  readonly medianMs: number;
}

export interface HistoryScaleResult {
  readonly tables: number;
  readonly commits: number;
  readonly generateSeconds: number;
  readonly timings: readonly HistoryTiming[];
  readonly bytesPerCommit: number;
  /** Bytes per commit of each table (indexes and TOAST included). */
  readonly bytesPerCommitByTable: Readonly<Record<string, number>>;
}

export async function benchHistoryScale(serverUrl: string, tables: number, commits: number, log: (message: string) => void): Promise<HistoryScaleResult> {
  const storeUrl = Object.assign(new URL(serverUrl), { pathname: '/history_scale_store' }).toString();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS history_scale_store WITH (FORCE)');
  await admin.end();
  const store = await openStore({ url: storeUrl });
  let generated;
  try {
    log(`generating ${commits} commits over ${tables} tables`);
    generated = await generateHistory(store, tables, commits, log);
    await store.pool.query('VACUUM ANALYZE');
  } finally {
    await store.pool.end();
  }
  const reader = await openHistoryReader({ url: storeUrl });
  try {
    const context = { repository: generated.repository, branch: generated.branch };
    const back = Math.floor(commits / 2);
    const timings = [
      await time('show HEAD', () => showCommit(reader, context, 'HEAD')),
      await time(`schema --at HEAD~${back}`, () => schemaAt(reader, context, `HEAD~${back}`)),
      await time('schema --at HEAD', () => schemaAt(reader, context, 'HEAD')),
      await time('log -n 20', () => readLog(reader, { ...context, limit: 20 })),
    ];
    const { rows } = await reader.pool.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
        WHERE c.relnamespace = 'pggit'::regnamespace AND c.relkind = 'r'`,
    );
    const byTable = Object.fromEntries(rows.map((row) => [row.name, Math.round(Number(row.bytes) / commits)]));
    const bytesPerCommit = Object.values(byTable).reduce((sum, bytes) => sum + bytes, 0);
    return { tables, commits, generateSeconds: generated.seconds, timings, bytesPerCommit, bytesPerCommitByTable: byTable };
  } finally {
    await reader.close();
  }
}

async function time(command: string, run: () => Promise<unknown>): Promise<HistoryTiming> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    runs.push(performance.now() - started);
  }
  return { command, firstMs: round(runs[0]!), medianMs: round(median(runs.slice(1))) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function formatHistoryScale(result: HistoryScaleResult): string {
  const lines = result.timings.map((t) => {
    const verdict = Math.max(t.firstMs, t.medianMs) < GOAL_MS ? 'met' : 'NOT met';
    return `  ${t.command.padEnd(24)} first ${String(t.firstMs).padStart(7)} ms, then median ${String(t.medianMs).padStart(7)} ms   (goal < ${GOAL_MS} ms: ${verdict})`;
  });
  const tables = Object.entries(result.bytesPerCommitByTable)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name} ${bytes}`)
    .join(', ');
  return [
    `history at scale: ${result.commits} commits over ${result.tables} tables (generated in ${result.generateSeconds.toFixed(0)} s), read in-process as the CLI does:`,
    ...lines,
    `  store: ${result.bytesPerCommit} bytes per commit (${tables})`,
  ].join('\n');
}
