// What the numbers were measured on: they mean little without it.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly postgres: string;
  readonly pgbench: string;
  readonly loadAverageAtStart: readonly number[];
}

export async function machineInfo(postgres: string, pgbench: string): Promise<MachineInfo> {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: await osName(),
    node: process.version,
    postgres,
    pgbench: await firstLine(pgbench, ['--version']),
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

async function osName(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1];
  return `${pretty ?? os.type()} (${os.release()}, ${os.arch()})`;
}

async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args);
    return stdout.split('\n')[0]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
