// The measurement loop: a warm-up per path, then rounds in which every path
// runs once, in an order that rotates each round, so machine noise (a
// neighbour, thermal throttling, a checkpoint) hits all paths alike.
import { cpuTime, perTransaction } from './cpu.js';
import type { QueryMode } from './options.js';
import { pgbenchSelectOnly, type PgbenchTarget } from './pgbench.js';

export interface Measurement {
  readonly round: number;
  readonly path: string;
  readonly mode: QueryMode;
  readonly tps: number;
  readonly latencyMs: number | undefined;
  readonly transactions: number | undefined;
  /** The proxy process's CPU time per transaction, in microseconds (user + system). */
  readonly proxyCpuUsPerTxn: number | undefined;
  readonly proxyUserUsPerTxn: number | undefined;
  readonly proxySystemUsPerTxn: number | undefined;
}

export interface LoopTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid?: number | undefined;
}

export interface LoopOptions {
  readonly pgbench: string;
  readonly user: string;
  readonly database: string;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly clients: number;
  readonly jobs: number;
  readonly modes: readonly QueryMode[];
}

export async function runRounds(targets: readonly LoopTarget[], options: LoopOptions, log: (message: string) => void): Promise<Measurement[]> {
  const run = (target: LoopTarget, mode: QueryMode, seconds: number) =>
    pgbenchSelectOnly(options.pgbench, pgbenchTarget(target, options), { seconds, clients: options.clients, jobs: options.jobs, mode });
  if (options.warmupSeconds > 0) {
    for (const target of targets) {
      for (const mode of options.modes) {
        log(`warm-up ${target.name} (${mode}, ${options.warmupSeconds} s)`);
        await run(target, mode, options.warmupSeconds);
      }
    }
  }
  const measurements: Measurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of rotate(targets, round - 1)) {
      for (const mode of options.modes) {
        const cpuBefore = await cpuTime(target.pid);
        const result = await run(target, mode, options.seconds);
        const cpu = perTransaction(cpuBefore, await cpuTime(target.pid), result.transactions);
        const cpuNote = cpu === undefined ? '' : `, proxy CPU µs/txn ${cpu.user.toFixed(1)} user + ${cpu.system.toFixed(1)} sys`;
        log(`round ${round}/${options.rounds} ${target.name} (${mode}): ${result.tps.toFixed(0)} tps${cpuNote}`);
        measurements.push({
          round,
          path: target.name,
          mode,
          ...result,
          proxyCpuUsPerTxn: cpu && cpu.user + cpu.system,
          proxyUserUsPerTxn: cpu?.user,
          proxySystemUsPerTxn: cpu?.system,
        });
      }
    }
  }
  return measurements;
}

function pgbenchTarget(target: LoopTarget, options: LoopOptions): PgbenchTarget {
  return { host: target.host, port: target.port, user: options.user, database: options.database };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
