// Recorder lag (issue 5): from a DDL commit's ReadyForQuery reaching the
// client to the commit being readable in the store, at 10 and 2,000 tables.
// Runs an in-process proxy + recorder against the benchmark's server.
import pg from 'pg';
import { pino } from 'pino';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { connectStore } from '../src/store/index.js';
import { startProxy, upstreamFromUrl } from '../src/proxy/index.js';

export interface LagResult {
  readonly tables: number;
  readonly commits: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Client-visible time of the DDL statement itself (includes the snapshot hold). */
  readonly ddlP50Ms: number;
}

const COMMITS = 60;

export async function benchRecorderLag(serverUrl: string, sizes: readonly number[] = [10, 2000]): Promise<LagResult[]> {
  const results: LagResult[] = [];
  for (const tables of sizes) results.push(await measure(serverUrl, tables));
  return results;
}

async function measure(serverUrl: string, tables: number): Promise<LagResult> {
  const database = `lag_${tables}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`DROP DATABASE IF EXISTS ${database}_store WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = (db: string): string => Object.assign(new URL(serverUrl), { pathname: `/${db}` }).toString();
  const setup = new pg.Client({ connectionString: url(database) });
  await setup.connect();
  await setup.query(
    `DO $$ BEGIN FOR i IN 1..${tables} LOOP
       EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now())', i);
     END LOOP; END $$`,
  );
  await setup.end();

  const store = connectStore({ url: url(`${database}_store`) });
  const pools = new CatalogPools(serverUrl);
  const recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }) });
  const proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamFromUrl(serverUrl),
    onChangeSet: (cs) => recorder.submit(cs.session.database, cs),
    onSessionReady: (db) => recorder.noteDatabase(db),
  });
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${database}` });
  await client.connect();
  await recorder.idle(); // the baseline of the whole schema is not part of the measurement
  const lags: number[] = [];
  const ddl: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const before = performance.now();
    await client.query(`ALTER TABLE t${(i % tables) + 1} ADD COLUMN extra_${i} int`);
    const answered = performance.now();
    ddl.push(answered - before);
    await waitForCommits(store.pool, i + 2); // baseline + i + 1 observed
    lags.push(performance.now() - answered);
  }
  await client.end();
  await proxy.shutdown(0);
  recorder.stop();
  await pools.end();
  await store.pool.end();
  return { tables, commits: COMMITS, p50Ms: percentile(lags, 0.5), p99Ms: percentile(lags, 0.99), ddlP50Ms: percentile(ddl, 0.5) };
}

async function waitForCommits(pool: pg.Pool, count: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pggit.commits');
    if (rows[0]!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
}

export function formatLag(results: readonly LagResult[]): string {
  const lines = results.map(
    (r) => `  ${String(r.tables).padStart(5)} tables: lag p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; DDL statement p50 ${r.ddlP50Ms} ms (${r.commits} commits)`,
  );
  return ['recorder lag (ReadyForQuery of the COMMIT to the commit readable in the store):', ...lines].join('\n');
}
