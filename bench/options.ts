// Command-line flags and PGGIT_BENCH_* environment variables of `npm run bench`.
import { parseArgs } from 'node:util';

export const QUERY_MODES = ['simple', 'extended', 'prepared'] as const;
export type QueryMode = (typeof QUERY_MODES)[number];

/** The parts of `npm run bench`; positional arguments pick some, none means all. */
export const SUITES = ['select', 'lag', 'branch', 'ddl', 'history', 'plan'] as const;
export type Suite = (typeof SUITES)[number];

export interface BenchOptions {
  readonly suites: readonly Suite[];
  readonly quick: boolean;
  /** pgbench -T for each measured run. */
  readonly seconds: number;
  readonly rounds: number;
  /** Unmeasured pgbench run per path and mode before the rounds; 0 for none. */
  readonly warmupSeconds: number;
  readonly scale: number;
  readonly clients: number;
  readonly jobs: number;
  readonly modes: readonly QueryMode[];
  /** Only these path names; undefined for every path. */
  readonly paths: readonly string[] | undefined;
  readonly output: string;
  /** Keep the temp dir (cluster, logs, configs) after the run. */
  readonly keep: boolean;
  readonly ddl: {
    readonly seconds: number;
    readonly rounds: number;
    readonly sessions: readonly number[];
    readonly databaseCounts: readonly number[];
    /** Tables in the database of the big-schema load; 0: no such load. */
    readonly schemaTables: number;
  };
  readonly history: { readonly commits: number; readonly tables: number };
  /** branch suite: size of the data branched, and pggit's --jobs (undefined: its default). */
  readonly branch: { readonly megabytes: number; readonly jobs: number | undefined };
}

export const USAGE = `usage: npm run bench -- [suite ...] [options]

Suites (default: all of them):
  select   pgbench select-only directly and through each proxy path,
           interleaved in rounds: TPS and ratios
  lag      recorder lag at 10 and 2,000 tables
  branch   branch creation: a 500-table schema; a pgbench database branched by
           parallel COPY, TEMPLATE, pg_dump -Fd -j/pg_restore -j, and --clone
           on PostgreSQL 18 over a loop-mounted XFS (as root with xfsprogs)
  ddl      DDL throughput: autocommit CREATE/ALTER/DROP TABLE at 1, 8, 32
           sessions on one and on 8 databases, pggit vs direct, round over
           round; the recorder's commits/s and ReadyForQuery hold p50/p99
  history  a 100,000-commit history over 2,000 tables: show HEAD, schema
           --at HEAD~50000, log -n 20 timed; the store's bytes per commit
  plan     the diff planner: empty vs a 2,000-table schema, and two snapshots
           of it that differ in one table

  --quick            smoke run: scale 1, 2 s a path, 1 round, 1 s warm-up
  --seconds N        pgbench -T per measured run (default 10; env PGGIT_BENCH_SECONDS)
  --rounds N         interleaved rounds (default 3; env PGGIT_BENCH_ROUNDS)
  --warmup N         warm-up seconds per path before the rounds (default 2)
  --scale N          pgbench -i scale (default 10; env PGGIT_BENCH_SCALE)
  --clients N        pgbench -c (default 8)
  --jobs N           pgbench -j (default 2)
  --modes a,b        pgbench -M protocols (default simple,extended,prepared)
  --paths a,b        only these paths (env PGGIT_BENCH_PATHS; default pggit, relay,
                     relay-onread, relay-raw, relay-handle, relay-c, pgbouncer;
                     variants: relay-c-uv, relay-c-js, pggit-metrics-off,
                     pggit-ddl-off, pggit-store-off, pggit-bare); direct is always run
  --output FILE      JSON results (default bench/results/latest.json)
  --keep             keep the temp dir with the cluster and the logs
  --ddl-seconds N    pgbench -T per DDL run (default 8)
  --ddl-rounds N     DDL rounds (default 3)
  --ddl-sessions L   DDL session counts (default 1,8,32)
  --ddl-databases L  DDL database counts (default 1,8)
  --ddl-schema-tables N  one more DDL load (1 db x 8 sessions) in a database
                     that already holds N tables, each with a key, an index
                     and a view (default 2000; 0 skips it)
  --history-commits N  commits of the generated history (default 100000)
  --history-tables N   tables of its schema (default 2000)
  --branch-mb N        size of the branched pgbench database (default 1024)
  --branch-jobs N      pggit branch create --jobs (default: its own)
  --help             this text`;

export function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'ddl-seconds': { type: 'string' },
      'ddl-rounds': { type: 'string' },
      'ddl-sessions': { type: 'string' },
      'ddl-databases': { type: 'string' },
      'ddl-schema-tables': { type: 'string' },
      'history-commits': { type: 'string' },
      'history-tables': { type: 'string' },
      'branch-mb': { type: 'string' },
      'branch-jobs': { type: 'string' },
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      scale: { type: 'string' },
      clients: { type: 'string' },
      jobs: { type: 'string' },
      modes: { type: 'string' },
      paths: { type: 'string' },
      output: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  const pathList = values.paths ?? env['PGGIT_BENCH_PATHS'];
  const unknown = positionals.filter((name) => !(SUITES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.join(', ')}`);
  return {
    suites: positionals.length > 0 ? SUITES.filter((suite) => positionals.includes(suite)) : [...SUITES],
    quick,
    seconds: positive('seconds', values.seconds ?? env['PGGIT_BENCH_SECONDS'], quick ? 2 : 10),
    rounds: positive('rounds', values.rounds ?? env['PGGIT_BENCH_ROUNDS'], quick ? 1 : 3),
    warmupSeconds: positive('warmup', values.warmup, quick ? 1 : 2, true),
    scale: positive('scale', values.scale ?? env['PGGIT_BENCH_SCALE'], quick ? 1 : 10),
    clients: positive('clients', values.clients, 8),
    jobs: positive('jobs', values.jobs, 2),
    modes: queryModes(values.modes),
    paths: pathList ? pathList.split(',').map((name) => name.trim()).filter(Boolean) : undefined,
    output: values.output ?? new URL('./results/latest.json', import.meta.url).pathname,
    keep: values.keep === true,
    ddl: {
      seconds: positive('ddl-seconds', values['ddl-seconds'], quick ? 2 : 8),
      rounds: positive('ddl-rounds', values['ddl-rounds'], quick ? 1 : 3),
      sessions: list('ddl-sessions', values['ddl-sessions'], [1, 8, 32]),
      databaseCounts: list('ddl-databases', values['ddl-databases'], [1, 8]),
      schemaTables: positive('ddl-schema-tables', values['ddl-schema-tables'], quick ? 200 : 2000, true),
    },
    history: {
      commits: positive('history-commits', values['history-commits'], quick ? 5000 : 100_000),
      tables: positive('history-tables', values['history-tables'], quick ? 200 : 2000),
    },
    branch: {
      megabytes: positive('branch-mb', values['branch-mb'], quick ? 50 : 1024),
      jobs: values['branch-jobs'] === undefined ? undefined : positive('branch-jobs', values['branch-jobs'], 0),
    },
  };
}

function queryModes(text: string | undefined): QueryMode[] {
  if (text === undefined || text === '') return [...QUERY_MODES];
  const names = text.split(',').map((part) => part.trim());
  const unknown = names.filter((name) => !(QUERY_MODES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown mode(s) ${unknown.join(', ')}; known: ${QUERY_MODES.join(', ')}`);
  return QUERY_MODES.filter((mode) => names.includes(mode));
}

function list(name: string, text: string | undefined, fallback: readonly number[]): number[] {
  if (text === undefined || text === '') return [...fallback];
  return text.split(',').map((part) => positive(name, part.trim(), 0));
}

function positive(name: string, text: string | undefined, fallback: number, zeroOk = false): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new Error(`--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer, got "${text}"`);
  }
  return value;
}
