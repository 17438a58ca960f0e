// Run pgbench (init and select-only runs) and read its summary.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryMode } from './options.js';

export interface PgbenchTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export interface PgbenchRun {
  readonly seconds: number;
  readonly clients: number;
  readonly jobs: number;
  readonly mode: QueryMode;
}

export interface PgbenchResult {
  /** "tps = N (without initial connection time)" */
  readonly tps: number;
  readonly latencyMs: number | undefined;
  readonly transactions: number | undefined;
}

/** The server's own pgbench when it ships one, else the one on PATH. */
export function findPgbench(binDir: string): string {
  const own = join(binDir, 'pgbench');
  return existsSync(own) ? own : 'pgbench';
}

export async function pgbenchInit(pgbench: string, target: PgbenchTarget, scale: number): Promise<void> {
  await run(pgbench, ['-i', '-q', '-s', String(scale), ...connArgs(target)], 600_000);
}

export async function pgbenchSelectOnly(pgbench: string, target: PgbenchTarget, options: PgbenchRun): Promise<PgbenchResult> {
  const args = ['-S', '-n', '-M', options.mode, '-c', String(options.clients), '-j', String(options.jobs)];
  args.push('-T', String(options.seconds), ...connArgs(target));
  const output = await run(pgbench, args, (options.seconds + 60) * 1000);
  return parsePgbenchOutput(output);
}

/** A custom script (-f), simple protocol, no vacuum: e.g. the DDL throughput load. */
export async function pgbenchScript(
  pgbench: string,
  target: PgbenchTarget,
  options: { readonly script: string; readonly seconds: number; readonly clients: number; readonly jobs: number },
): Promise<PgbenchResult> {
  const args = ['-n', '-M', 'simple', '-f', options.script, '-c', String(options.clients), '-j', String(options.jobs)];
  args.push('-T', String(options.seconds), ...connArgs(target));
  return parsePgbenchOutput(await run(pgbench, args, (options.seconds + 120) * 1000));
}

export function parsePgbenchOutput(output: string): PgbenchResult {
  const tps = /^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/m.exec(output);
  if (!tps?.[1]) throw new Error(`pgbench printed no tps line:\n${tail(output)}`);
  const latency = /^latency average = ([\d.]+) ms/m.exec(output);
  const transactions = /^number of transactions actually processed: (\d+)/m.exec(output);
  return {
    tps: Number(tps[1]),
    latencyMs: latency?.[1] ? Number(latency[1]) : undefined,
    transactions: transactions?.[1] ? Number(transactions[1]) : undefined,
  };
}

function connArgs(target: PgbenchTarget): string[] {
  return ['-h', target.host, '-p', String(target.port), '-U', target.user, target.database];
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PGAPPNAME: 'pggit-bench' };
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${tail(output)}`));
      else resolve(output);
    });
  });
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-15).join('\n');
}
