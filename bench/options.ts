// Command-line flags and PGGIT_BENCH_* environment variables of `npm run bench`.
import { parseArgs } from 'node:util';

export type QueryMode = 'simple' | 'prepared';

export interface BenchOptions {
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
}

export const USAGE = `usage: npm run bench -- [options]

Runs pgbench select-only against PostgreSQL directly and through each proxy
path, interleaved in rounds, and prints TPS and ratios.

  --quick            smoke run: scale 1, 2 s a path, 1 round, 1 s warm-up
  --seconds N        pgbench -T per measured run (default 10; env PGGIT_BENCH_SECONDS)
  --rounds N         interleaved rounds (default 3; env PGGIT_BENCH_ROUNDS)
  --warmup N         warm-up seconds per path before the rounds (default 2)
  --scale N          pgbench -i scale (default 10; env PGGIT_BENCH_SCALE)
  --clients N        pgbench -c (default 8)
  --jobs N           pgbench -j (default 2)
  --prepared         also run every path with -M prepared (default: simple only)
  --paths a,b        only these paths (env PGGIT_BENCH_PATHS); direct is always run
  --output FILE      JSON results (default bench/results/latest.json)
  --keep             keep the temp dir with the cluster and the logs
  --help             this text`;

export function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      scale: { type: 'string' },
      clients: { type: 'string' },
      jobs: { type: 'string' },
      prepared: { type: 'boolean', default: false },
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
  return {
    quick,
    seconds: positive('seconds', values.seconds ?? env['PGGIT_BENCH_SECONDS'], quick ? 2 : 10),
    rounds: positive('rounds', values.rounds ?? env['PGGIT_BENCH_ROUNDS'], quick ? 1 : 3),
    warmupSeconds: positive('warmup', values.warmup, quick ? 1 : 2, true),
    scale: positive('scale', values.scale ?? env['PGGIT_BENCH_SCALE'], quick ? 1 : 10),
    clients: positive('clients', values.clients, 8),
    jobs: positive('jobs', values.jobs, 2),
    modes: values.prepared ? ['simple', 'prepared'] : ['simple'],
    paths: pathList ? pathList.split(',').map((name) => name.trim()).filter(Boolean) : undefined,
    output: values.output ?? new URL('./results/latest.json', import.meta.url).pathname,
    keep: values.keep === true,
  };
}

function positive(name: string, text: string | undefined, fallback: number, zeroOk = false): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new Error(`--${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer, got "${text}"`);
  }
  return value;
}
