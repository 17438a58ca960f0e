// How to start the pggit CLI: the built bin/pggit.js (rebuilt with
// `npm run build` when src/ is newer than dist/), else src/cli/run.ts under
// tsx when the build fails. Decided once per bench run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'pggit.js');
const MAIN_TS = join(ROOT, 'src', 'cli', 'run.ts');
/** Node flags for the pggit process, split on spaces: PGGIT_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS refuses --cpu-prof). */
const NODE_ARGS = (process.env['PGGIT_BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

export interface PggitCommand {
  readonly command: string;
  /** Arguments before the subcommand (`proxy ...`). */
  readonly args: readonly string[];
  readonly runner: 'dist' | 'tsx';
}

export function pggitMissing(): string | undefined {
  if (existsSync(BIN) || existsSync(MAIN_TS)) return undefined;
  return 'the pggit CLI is not there yet (neither bin/pggit.js nor src/cli/run.ts)';
}

let resolved: Promise<PggitCommand> | undefined;

export function pggitCommand(log: (message: string) => void): Promise<PggitCommand> {
  resolved ??= resolve(log);
  return resolved;
}

async function resolve(log: (message: string) => void): Promise<PggitCommand> {
  const tsx: PggitCommand = { command: process.execPath, args: [...NODE_ARGS, '--import', 'tsx', MAIN_TS], runner: 'tsx' };
  if (!existsSync(BIN)) return tsx;
  const [sources, built] = await Promise.all([newestMtime(join(ROOT, 'src'), '.ts'), newestMtime(join(ROOT, 'dist'), '.js')]);
  if (built === 0 || sources > built) {
    log('dist/ is missing or older than src/: npm run build');
    const output = await npmBuild();
    if (output !== undefined) {
      if (!existsSync(MAIN_TS)) throw new Error(`npm run build failed and there is no src/cli/run.ts to fall back on:\n${output}`);
      log(`npm run build failed; running pggit from src/ under tsx (slower start, same hot path):\n${output}`);
      return tsx;
    }
  }
  return { command: process.execPath, args: [...NODE_ARGS, BIN], runner: 'dist' };
}

/** Resolves undefined on success, else the tail of the build's output. */
function npmBuild(): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', (error) => resolvePromise(error.message));
    child.once('exit', (code) => {
      const text = Buffer.concat(output).toString().trimEnd().split('\n').slice(-20).join('\n');
      resolvePromise(code === 0 ? undefined : text);
    });
  });
}

async function newestMtime(dir: string, suffix: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return 0;
  }
  let newest = 0;
  for (const name of names) {
    if (!name.endsWith(suffix) || name.endsWith(`.test${suffix}`)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && info.mtimeMs > newest) newest = info.mtimeMs;
  }
  return newest;
}
