// The steady session beside a fuzz: pgbench (TPC-B, one client, at a fixed
// rate) through the proxy. pgbench cannot be stopped early and still print
// its summary, so it runs in back-to-back runs of a few seconds until the
// fuzz is over; every run must exit 0 with no error, no aborted client and
// no failed transaction.
import { execFile } from 'node:child_process';

export interface SteadyPgbenchReport {
  readonly runs: number;
  readonly transactions: number;
  readonly seconds: number;
  /** Mean of the runs' "latency average". */
  readonly latencyMs: number;
  /** A non-zero exit, an error or aborted client in pgbench's output, a failed transaction: each a line. */
  readonly errors: string[];
}

export interface SteadyPgbench {
  /** Lets the current run finish, starts no other one, and reports. */
  stop(): Promise<SteadyPgbenchReport>;
}

export interface PgbenchExit {
  readonly code: number | null;
  readonly output: string;
}

/** Runs pgbench to its end; never rejects (a non-zero exit is in `code`). */
export function pgbench(args: readonly string[]): Promise<PgbenchExit> {
  return new Promise((resolve) => {
    const env = { ...process.env, PGAPPNAME: 'pggit-fuzz-steady' };
    execFile('pgbench', args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** `pgbench -i` on a database (direct, not through the proxy); throws with pgbench's output if it fails. */
export async function initPgbench(url: string, scale: number): Promise<void> {
  const { code, output } = await pgbench(['-i', '-q', '-s', String(scale), url]);
  if (code !== 0) throw new Error(`pgbench -i failed (exit ${code}):\n${output}`);
}

/** What is wrong with one run, from its exit code and output. */
export function runProblems({ code, output }: PgbenchExit): string[] {
  const problems: string[] = [];
  if (code !== 0) problems.push(`pgbench exited ${code}`);
  for (const line of output.split('\n')) if (/error|abort/i.test(line)) problems.push(line.trim());
  const failed = /^number of failed transactions: (\d+)/m.exec(output)?.[1];
  if (failed !== undefined && failed !== '0') problems.push(`${failed} failed transactions`);
  if (!/^number of transactions actually processed: [1-9]/m.test(output)) problems.push('no transaction processed');
  return problems;
}

/** Starts pgbench runs of `runSeconds` against `url` (the proxy), `rate` transactions per second, until stop(). */
export function startSteadyPgbench(url: string, rate: number, runSeconds: number): SteadyPgbench {
  let stopping = false;
  let runs = 0;
  let transactions = 0;
  let seconds = 0;
  let latencySum = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (!stopping && errors.length === 0) {
      const run = await pgbench(['-n', '-c', '1', '-j', '1', '-R', String(rate), '-T', String(runSeconds), url]);
      runs++;
      seconds += runSeconds;
      transactions += Number(/^number of transactions actually processed: (\d+)/m.exec(run.output)?.[1] ?? 0);
      latencySum += Number(/^latency average = ([\d.]+) ms/m.exec(run.output)?.[1] ?? 0);
      const problems = runProblems(run);
      if (problems.length > 0) errors.push(...problems, `(run ${runs}, output:\n${run.output.trimEnd().split('\n').slice(-12).join('\n')})`);
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return { runs, transactions, seconds, latencyMs: runs > 0 ? latencySum / runs : 0, errors };
    },
  };
}
