// A server process of a benchmark path (relay, pggit, pgbouncer): spawn it
// with its output in a log file, wait until PostgreSQL answers through it,
// stop it by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import pg from 'pg';

export interface ServerProcess {
  readonly pid: number | undefined;
  readonly logFile: string;
  /** False once the process has exited. */
  running(): boolean;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this account (pgbouncer refuses root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Signal for a prompt shutdown; SIGKILL follows after 5 s. */
  readonly stopSignal?: NodeJS.Signals;
}

const STOP_GRACE_MS = 5_000;

export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const log = await open(options.logFile, 'a');
  if (options.uid !== undefined) await log.chown(options.uid, options.gid ?? -1);
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      stdio: ['ignore', log.fd, log.fd],
      cwd: options.cwd,
      env: options.env ?? process.env,
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    });
  } finally {
    await log.close();
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    pid: child.pid,
    logFile: options.logFile,
    running: () => child.exitCode === null && child.signalCode === null && child.pid !== undefined,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(options.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `select 1` works through url; throws with the log tail if it never does. */
export async function waitForPostgres(server: ServerProcess, name: string, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await client.end().catch(() => undefined);
    }
    if (!server.running() || Date.now() > deadline) {
      await server.stop();
      const why = server.running() ? `did not serve queries within ${timeoutMs / 1000} s` : 'exited during start';
      const log = await readFile(server.logFile, 'utf8').catch(() => '');
      throw new Error(`${name} ${why} (${lastError}); log ${server.logFile}:\n${log.trimEnd().split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
