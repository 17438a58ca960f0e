// CPU time a proxy process spent, user and system apart, from /proc: with
// two cores shared by pgbench, the server and the proxy, a proxy's CPU per
// transaction is what its TPS ratio is made of. The kernel's share (reads,
// writes, wakeups) is much the same for every proxy; user time is what the
// proxy's own code costs. Undefined where /proc is missing.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface CpuTime {
  readonly user: number;
  readonly system: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Seconds of user and system time the process has used so far. */
export async function cpuTime(pid: number | undefined): Promise<CpuTime | undefined> {
  if (pid === undefined) return undefined;
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { user: utime / clockTicks(), system: stime / clockTicks() };
}

/** Microseconds of user and system time per transaction between two readings. */
export function perTransaction(before: CpuTime | undefined, after: CpuTime | undefined, transactions: number | undefined): CpuTime | undefined {
  if (before === undefined || after === undefined || !transactions) return undefined;
  return { user: ((after.user - before.user) * 1e6) / transactions, system: ((after.system - before.system) * 1e6) / transactions };
}
