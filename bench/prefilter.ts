// Micro-benchmark of the DDL pre-filter (issue 4): nanoseconds per statement
// over a mixed corpus (mostly SELECT / INSERT / UPDATE, some transaction
// control, a little DDL), and the whole tracker path per non-DDL statement
// (Query, CommandComplete, ReadyForQuery). Run by `npm run bench`, or alone:
// `npx tsx bench/prefilter.ts`.
import { pathToFileURL } from 'node:url';
import { classifyLead, classifyStatement } from '../src/ddl/prefilter.js';
import { TransactionTracker } from '../src/ddl/transaction-tracker.js';
import { hasLaterStatement } from '../src/ddl/query-parts.js';
import { benchGuard } from './hot-path.js';

/**
 * Costs are CPU time (user + system) of this process, which a busy machine
 * inflates far less than wall time; wall time is given too.
 */
export interface PrefilterBenchResult {
  /** Mean cost of classifyLead() per statement of the mixed corpus. */
  readonly nsPerStatement: number;
  readonly wallNsPerStatement: number;
  /** Mean cost of one non-DDL simple query through the tracker (query + CommandComplete + ReadyForQuery). */
  readonly trackerNsPerStatement: number;
  readonly trackerWallNsPerStatement: number;
  /** What the zero-downtime guard adds to a non-DDL simple query (its Query and ReadyForQuery), given the watcher's classification. */
  readonly guardNsPerStatement: number;
  readonly guardWallNsPerStatement: number;
  readonly statements: number;
  readonly ddlShare: number;
  readonly iterations: number;
}

const SELECTS = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
  'select u.id, u.email, u.created_at from users u where u.id = $1 limit 1',
  '/* app:web route:/orders */ SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = $1 ORDER BY o.created_at DESC LIMIT 20',
  "SELECT count(*) FROM events WHERE kind = 'click' AND payload->>'into' IS NOT NULL",
  'WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval \'1 day\') SELECT customer_id, sum(total) FROM recent GROUP BY 1',
  '(SELECT 1)',
];
const WRITES = [
  'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
  'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
  'insert into sessions (id, user_id, data) values ($1, $2, $3) on conflict (id) do update set data = excluded.data',
  'DELETE FROM sessions WHERE expires_at < now()',
];
const CONTROL = ['BEGIN', 'COMMIT', 'SET statement_timeout = 5000', 'SAVEPOINT s1', 'RELEASE SAVEPOINT s1'];
const DDL = ['CREATE TABLE audit_2024 (id bigint, at timestamptz)', 'ALTER TABLE users ADD COLUMN last_seen timestamptz', 'SELECT * INTO report_copy FROM report'];

/** About 2% DDL, as a busy application with a migration now and then. */
function mixedCorpus(): string[] {
  const corpus: string[] = [];
  for (let round = 0; round < 20; round++) corpus.push(...SELECTS, ...SELECTS, ...WRITES, ...CONTROL);
  corpus.push(...DDL);
  return corpus;
}

const NON_DDL = [...SELECTS, ...WRITES];

interface Timing {
  readonly cpuNs: number;
  readonly wallNs: number;
}

function timeLoop(iterations: number, perIteration: number, body: () => number): Timing {
  let sink = 0;
  for (let i = 0; i < Math.max(200, iterations / 4); i++) sink += body(); // warm up the JIT
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += body();
  const wall = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  if (sink === -1) console.log(sink); // keeps the work observable
  const runs = iterations * perIteration;
  return { cpuNs: ((cpu.user + cpu.system) * 1000) / runs, wallNs: wall / runs };
}

export async function benchPrefilter(iterations = 2000): Promise<PrefilterBenchResult> {
  const corpus = mixedCorpus();
  const prefilter = timeLoop(iterations, corpus.length, () => {
    let candidates = 0;
    for (const sql of corpus) if (classifyLead(sql) === 'ddl-candidate') candidates++;
    return candidates;
  });

  const tracker = new TransactionTracker({
    session: { user: 'bench', database: 'bench', applicationName: 'bench', clientAddress: 'local' },
    onChangeSet: () => {
      throw new Error('no DDL in this loop');
    },
  });
  const tracked = timeLoop(iterations * 20, NON_DDL.length, () => {
    for (const sql of NON_DDL) {
      tracker.query(sql);
      tracker.commandComplete('SELECT 1');
      tracker.readyForQuery('I');
    }
    return tracker.pendingRequests;
  });

  // The guard sees each Query with the lead class and later-statement flag the tracker computed, then its ReadyForQuery.
  const guard = benchGuard();
  const seen = NON_DDL.map((sql) => ({ sql, lead: classifyStatement(sql), later: hasLaterStatement(sql) }));
  const guarded = timeLoop(iterations * 20, seen.length, () => {
    for (const { sql, lead, later } of seen) {
      guard.query(sql, sql.length + 1, false, lead, later);
      guard.ready('I');
    }
    return seen.length;
  });

  const ddlShare = corpus.filter((sql) => classifyLead(sql) === 'ddl-candidate').length / corpus.length;
  return {
    nsPerStatement: prefilter.cpuNs,
    wallNsPerStatement: prefilter.wallNs,
    trackerNsPerStatement: tracked.cpuNs,
    trackerWallNsPerStatement: tracked.wallNs,
    guardNsPerStatement: guarded.cpuNs,
    guardWallNsPerStatement: guarded.wallNs,
    statements: corpus.length,
    ddlShare,
    iterations,
  };
}

function format(result: PrefilterBenchResult): string {
  return [
    `pre-filter: ${result.nsPerStatement.toFixed(1)} ns CPU per statement (${result.wallNsPerStatement.toFixed(1)} ns wall; ${result.statements} statements, ${(result.ddlShare * 100).toFixed(1)}% DDL, ${result.iterations} passes)`,
    `tracker, non-DDL simple query: ${result.trackerNsPerStatement.toFixed(1)} ns CPU per statement (${result.trackerWallNsPerStatement.toFixed(1)} ns wall)`,
    `guard on top of it, non-DDL simple query: ${result.guardNsPerStatement.toFixed(1)} ns CPU per statement (${result.guardWallNsPerStatement.toFixed(1)} ns wall)`,
  ].join('\n');
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) console.log(format(await benchPrefilter()));
