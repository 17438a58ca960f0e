// Where a running `pggit up` / `pggit proxy` serves, so that the other
// commands find it with no flags: one small JSON file per process in
// ~/.pggit/run (PGGIT_STATE_DIR). Never a secret: passwords are stripped
// from every URL before it is written (libpq's PGPASSWORD or ~/.pgpass
// supply them to the reading commands).
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './settings.js';

export interface RunningPggit {
  readonly pid: number;
  readonly command: 'up' | 'proxy';
  readonly version: string;
  readonly startedAt: string;
  /** A connection string through the proxy (user and database as an example). */
  readonly connect: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** The server behind the proxy, as the proxy's own role reaches it (no password). */
  readonly upstream: string;
  /** The metadata store; null with --store off. */
  readonly store: string | null;
  /** http://HOST:PORT of /metrics, the API and the page; null with --http off. */
  readonly http: string | null;
  /** `up` only: the PostgreSQL data directory. */
  readonly dataDir: string | null;
}

export function stateDir(env: Env): string {
  return env['PGGIT_STATE_DIR'] || join(homedir(), '.pggit', 'run');
}

/** The URL without its password (user info and ?password=). */
export function withoutPassword(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (a bare path, say): refuse to guess what part is secret.
    return url.includes('password') || url.includes('@') ? '(not a URL)' : url;
  }
  parsed.password = '';
  parsed.searchParams.delete('password');
  return parsed.toString();
}

/** Writes this process's state file; the returned function removes it (also done at exit). */
export async function writeRunningState(env: Env, state: RunningPggit): Promise<() => Promise<void>> {
  const dir = stateDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${state.command}-${state.pid}.json`);
  const clean: RunningPggit = { ...state, upstream: withoutPassword(state.upstream), store: state.store === null ? null : withoutPassword(state.store) };
  await writeFile(`${file}.tmp`, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  // A crash path that skips the normal stop still leaves no stale file behind.
  const onExit = (): void => {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    await rm(file, { force: true });
  };
}

/** The pggit processes that are running now, newest first; files of dead processes are removed. */
export async function readRunningStates(env: Env): Promise<RunningPggit[]> {
  const dir = stateDir(env);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const states: RunningPggit[] = [];
  for (const name of names.filter((entry) => /^(up|proxy)-\d+\.json$/.test(entry))) {
    const file = join(dir, name);
    let state: RunningPggit;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as RunningPggit;
    } catch {
      continue; // half-written or not ours: ignore
    }
    if (isAlive(state.pid)) states.push(state);
    else await rm(file, { force: true });
  }
  return states.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** The newest running pggit, if any. */
export async function runningPggit(env: Env): Promise<RunningPggit | undefined> {
  return (await readRunningStates(env))[0];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
