// Running `pggit` from source as a child process, the way a user would.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node --import tsx src/cli/run.ts ...args`; PG* and PGGIT_* of this process (but PGGIT_STATE_DIR) are not passed on. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  // PGGIT_STATE_DIR stays: a CLI child must not find a pggit that another test (or the user) runs.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG') || name === 'PGGIT_STATE_DIR'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'run.ts'), ...args],
      { cwd: ROOT, env: { ...base, ...env }, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI and parses its --json output; throws with stderr when it fails. */
export async function runCliJson<T>(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<T> {
  const result = await runCli([...args, '--json'], env);
  if (result.code !== 0) throw new Error(`pggit ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
