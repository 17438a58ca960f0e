// DDL throughput (issue 15): autocommit CREATE TABLE / ALTER TABLE ADD
// COLUMN / DROP TABLE from pgbench at several session counts, on one
// database and spread over several, directly and through pggit, interleaved
// in rounds so that a slowdown as history grows shows round over round.
// Through pggit it also reads the proxy's /metrics: the recorder's commits/s,
// how long sessions' ReadyForQuery were held, and whether every statement
// became a commit. One more load runs the same script in a database that
// already holds a schema of many tables: what pggit does per commit must
// not grow with the schema (PostgreSQL's regression suite leaves ~10,000
// objects behind, and schema-per-tenant apps hold more).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { pgbenchScript, type PgbenchTarget } from './pgbench.js';
import { quantileBetween, scrape, total, type Scrape } from './scrape.js';

/** Three autocommit statements per pgbench transaction; one table per session. */
const SCRIPT = `CREATE TABLE ddl_:client_id (id int PRIMARY KEY, name text);
ALTER TABLE ddl_:client_id ADD COLUMN extra int;
DROP TABLE ddl_:client_id;
`;
const STATEMENTS_PER_SCRIPT = 3;
const DRAIN_TIMEOUT_MS = 120_000;
/** pggit's default store: database pggit on the upstream server. */
const STORE_DATABASE = 'pggit';

export interface DdlTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** pggit's /metrics; undefined for direct. */
  readonly metricsUrl?: string | undefined;
}

export interface DdlOptions {
  readonly pgbench: string;
  /** The server, for setup and cleanup (direct, as superuser). */
  readonly serverUrl: string;
  readonly user: string;
  readonly workDir: string;
  readonly seconds: number;
  readonly rounds: number;
  readonly sessions: readonly number[];
  readonly databaseCounts: readonly number[];
  /** Tables already in the database of the big-schema load (0: no such load). */
  readonly schemaTables: number;
}

export interface DdlLoad {
  readonly sessions: number;
  readonly databases: number;
  /** Tables the database holds before the run (besides the script's own). */
  readonly schemaTables: number;
}

/** Sessions of the big-schema load: the 8-session target. */
const SCHEMA_LOAD_SESSIONS = 8;

export interface DdlMeasurement extends DdlLoad {
  readonly round: number;
  readonly path: string;
  readonly statementsPerSecond: number;
  readonly statements: number;
  /** Through pggit: observed commits recorded during the run, per second of the run. */
  readonly commitsPerSecond?: number | undefined;
  /** Through pggit: observed commits once the recorder drained (should equal statements). */
  readonly recorded?: number | undefined;
  /** Through pggit: seconds the recorder needed after the run to empty its queue. */
  readonly drainSeconds?: number | undefined;
  readonly holdP50Ms?: number | undefined;
  readonly holdP99Ms?: number | undefined;
  /** Through pggit: the share of observed commits whose snapshot was read together with others (pggit_snapshot_reads_total). */
  readonly readTogether?: number | undefined;
}

/** The loads to run: every session count on every database count it can be spread over. */
export function ddlLoads(options: Pick<DdlOptions, 'sessions' | 'databaseCounts' | 'schemaTables'>): DdlLoad[] {
  const loads = options.databaseCounts.flatMap((databases) =>
    options.sessions.filter((sessions) => sessions >= databases).map((sessions) => ({ sessions, databases, schemaTables: 0 })),
  );
  return options.schemaTables > 0 ? [...loads, { sessions: SCHEMA_LOAD_SESSIONS, databases: 1, schemaTables: options.schemaTables }] : loads;
}

export function databaseNames(load: Pick<DdlLoad, 'databases' | 'schemaTables'>): string[] {
  if (load.schemaTables > 0) return ['ddl_schema'];
  return load.databases === 1 ? ['ddl_single'] : Array.from({ length: load.databases }, (_, i) => `ddl_multi_${i + 1}`);
}

export async function benchDdlThroughput(
  targets: readonly DdlTarget[],
  options: DdlOptions,
  log: (message: string) => void,
): Promise<DdlMeasurement[]> {
  const loads = ddlLoads(options);
  const script = join(options.workDir, 'ddl-throughput.sql');
  await writeFile(script, SCRIPT);
  await createDatabases(options.serverUrl, [...new Set(loads.flatMap((load) => databaseNames(load)))]);
  for (const load of loads) if (load.schemaTables > 0) await fillSchema(options.serverUrl, databaseNames(load)[0]!, load.schemaTables, log);
  for (const target of targets) if (target.metricsUrl) await warmUp(target, options, loads);
  const measurements: DdlMeasurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const load of loads) {
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const target of order) {
        // The store too: what autovacuum would do for it in production.
        await prepare(options.serverUrl, [...databaseNames(load), ...(target.metricsUrl ? [STORE_DATABASE] : [])]);
        const measurement = await runOnce(target, load, round, script, options);
        log(
          `ddl round ${round}/${options.rounds} ${target.name} ${load.databases} db x ${load.sessions} sessions` +
            (load.schemaTables > 0 ? ` (schema of ${load.schemaTables} tables)` : '') +
            ': ' +
            `${measurement.statementsPerSecond.toFixed(0)} statements/s` +
            (measurement.commitsPerSecond === undefined ? '' : `, ${measurement.commitsPerSecond.toFixed(0)} commits/s, hold p50 ${fmt(measurement.holdP50Ms)} p99 ${fmt(measurement.holdP99Ms)} ms`),
        );
        measurements.push(measurement);
      }
    }
  }
  return measurements;
}

async function runOnce(target: DdlTarget, load: DdlLoad, round: number, script: string, options: DdlOptions): Promise<DdlMeasurement> {
  const databases = databaseNames(load);
  const before = target.metricsUrl ? await scrape(target.metricsUrl) : undefined;
  const started = performance.now();
  const results = await Promise.all(
    databases.map((database, index) => {
      const clients = share(load.sessions, databases.length, index);
      const pgbenchTarget: PgbenchTarget = { host: target.host, port: target.port, user: options.user, database };
      return pgbenchScript(options.pgbench, pgbenchTarget, { script, seconds: options.seconds, clients, jobs: Math.min(clients, databases.length === 1 ? 2 : 1) });
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const statements = results.reduce((sum, result) => sum + (result.transactions ?? 0), 0) * STATEMENTS_PER_SCRIPT;
  const statementsPerSecond = results.reduce((sum, result) => sum + result.tps, 0) * STATEMENTS_PER_SCRIPT;
  const measurement = { round, path: target.name, ...load, statements, statementsPerSecond };
  if (!target.metricsUrl || !before) return measurement;
  const atEnd = await scrape(target.metricsUrl);
  const drainStarted = performance.now();
  const drained = await drain(target.metricsUrl);
  const observed = (samples: Scrape) => databases.reduce((sum, database) => sum + total(samples, 'pggit_schema_commits_total', { database, kind: 'observed' }), 0);
  // Only held replies are observed: the statements' other replies were held for 0 s.
  const held = total(atEnd, 'pggit_ready_for_query_hold_seconds_count') - total(before, 'pggit_ready_for_query_hold_seconds_count');
  const hold = (q: number) => {
    const seconds = quantileBetween(before, atEnd, 'pggit_ready_for_query_hold_seconds', q, Math.max(0, statements - held));
    return seconds === undefined ? undefined : seconds * 1000;
  };
  const reads = (read: string) => total(drained, 'pggit_snapshot_reads_total', { read }) - total(before, 'pggit_snapshot_reads_total', { read });
  const snapshots = reads('alone') + reads('together');
  return {
    ...measurement,
    readTogether: snapshots > 0 ? reads('together') / snapshots : undefined,
    commitsPerSecond: (observed(atEnd) - observed(before)) / elapsed,
    recorded: observed(drained) - observed(before),
    drainSeconds: (performance.now() - drainStarted) / 1000,
    holdP50Ms: hold(0.5),
    holdP99Ms: hold(0.99),
  };
}

/** Sessions of database index when `sessions` are spread over `parts` databases. */
function share(sessions: number, parts: number, index: number): number {
  return Math.floor(sessions / parts) + (index < sessions % parts ? 1 : 0);
}

/** Polls /metrics until the recorder's queue is empty; returns that scrape. */
async function drain(metricsUrl: string): Promise<Scrape> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const samples = await scrape(metricsUrl);
    if (total(samples, 'pggit_recorder_queue_depth') === 0 || Date.now() > deadline) return samples;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One session per database through pggit first: the baselines are not part of any run. */
async function warmUp(target: DdlTarget, options: DdlOptions, loads: readonly DdlLoad[]): Promise<void> {
  for (const database of new Set(loads.flatMap((load) => databaseNames(load)))) {
    const client = new pg.Client({ host: target.host, port: target.port, user: options.user, database });
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  }
  await drain(target.metricsUrl!);
}

async function createDatabases(serverUrl: string, names: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of names) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * The big schema, made directly (pggit reads it as the database's baseline
 * at warm-up): tables with a key, an index, a default and a view each.
 */
async function fillSchema(serverUrl: string, database: string, tables: number, log: (message: string) => void): Promise<void> {
  log(`ddl: creating a schema of ${tables} tables (with their keys, indexes and views) in ${database}`);
  const client = new pg.Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString() });
  await client.connect();
  try {
    await client.query(
      `DO $$ BEGIN FOR i IN 1..${tables} LOOP
         EXECUTE format('CREATE TABLE fill_%s (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '''', created timestamptz DEFAULT now())', i);
         EXECUTE format('CREATE INDEX ON fill_%s (name)', i);
         EXECUTE format('CREATE VIEW fill_%s_names AS SELECT id, name FROM fill_%s', i, i);
       END LOOP; END $$`,
    );
  } finally {
    await client.end();
  }
}

/**
 * Before each run: drop tables a previous run left (none normally: pgbench
 * ends scripts whole) and VACUUM the catalogs, which the DDL bloats; the
 * benchmark server runs without autovacuum.
 */
async function prepare(serverUrl: string, databases: readonly string[]): Promise<void> {
  for (const database of databases) {
    const client = new pg.Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT quote_ident(relname) AS name FROM pg_class WHERE relname LIKE 'ddl\\_%' AND relkind = 'r' AND relnamespace = 'public'::regnamespace`,
      );
      for (const row of rows) await client.query(`DROP TABLE ${row.name}`);
      await client.query('VACUUM');
    } finally {
      await client.end();
    }
  }
}

function fmt(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(1);
}
