// Running the psql binary of the test server's installation (or the one on PATH).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

export function psqlPath(): string {
  const binDir = inject('pgBinDir');
  const candidate = binDir ? join(binDir, 'psql') : '';
  return candidate && existsSync(candidate) ? candidate : 'psql';
}

export interface PsqlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs psql -X with args against url; never throws for a non-zero exit. */
export async function psql(url: string, args: readonly string[]): Promise<PsqlResult> {
  // PG* variables of the environment must not change what the URL says.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')));
  try {
    const { stdout, stderr } = await run(psqlPath(), ['-X', ...args, url], { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    const code = typeof failed.code === 'number' ? failed.code : -1;
    return { code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
