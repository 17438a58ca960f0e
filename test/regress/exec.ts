// Running a command and collecting what it printed.
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this account (only when we are root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Copy the command's output to ours, each line prefixed. */
  readonly echo?: string;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const echoOut = options.echo === undefined ? undefined : lineEcho(options.echo);
    const echoErr = options.echo === undefined ? undefined : lineEcho(options.echo);
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      echoOut?.write(chunk.toString());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      echoErr?.write(chunk.toString());
    });
    child.once('error', reject);
    child.once('close', (code) => {
      echoOut?.flush();
      echoErr?.flush();
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Like run, but a non-zero exit is an error that carries the output. */
export async function mustRun(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${output}`);
  }
  return result.stdout;
}

/** Copies whole lines to our stdout with a prefix; a trailing partial line waits for its end. */
function lineEcho(prefix: string): { write(text: string): void; flush(): void } {
  let pending = '';
  return {
    write(text) {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    },
    flush() {
      if (pending !== '') process.stdout.write(`${prefix}${pending}\n`);
      pending = '';
    },
  };
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** True when `command` is on PATH. */
export async function have(command: string): Promise<boolean> {
  const result = await run('sh', ['-c', `command -v ${command}`]).catch(() => undefined);
  return result?.code === 0;
}
