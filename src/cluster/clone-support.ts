// Can `pggit branch create --clone` make reflink copies on this server? Two
// things must hold: PostgreSQL 18 or later (the file_copy_method setting,
// which pggit sets to clone for its own session), and a data directory on a
// filesystem that shares blocks between files (XFS with reflink=1, Btrfs,
// ZFS...). The second is checked the honest way: `cp --reflink=always` of a
// small file inside the data directory, which fails where the filesystem
// cannot clone (PostgreSQL's copy_file_range would copy such files quietly).
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';

export interface CloneSupport {
  readonly available: boolean;
  /** Why (not), in a few words for a banner. */
  readonly reason: string;
}

const run = promisify(execFile);

export async function cloneSupport(server: pg.ClientBase, dataDir: string): Promise<CloneSupport> {
  const { rows } = await server.query<{ version: string; method: string | null }>(
    `SELECT current_setting('server_version') AS version, current_setting('file_copy_method', true) AS method`,
  );
  const version = rows[0]!.version;
  if (rows[0]!.method === null) return { available: false, reason: `PostgreSQL ${version} has no file_copy_method (18+); --clone copies the files` };
  const reflinks = await reflinksIn(dataDir);
  if (!reflinks.ok) return { available: false, reason: `the data directory's filesystem cannot share blocks (${reflinks.why}); --clone copies the files` };
  return { available: true, reason: `PostgreSQL ${version}, reflinks in ${dataDir}` };
}

/** Clones a small file inside dir with cp --reflink=always. */
export async function reflinksIn(dir: string): Promise<{ ok: true } | { ok: false; why: string }> {
  const probe = join(dir, `.pggit-reflink-${process.pid}`);
  try {
    await writeFile(probe, 'pggit reflink probe\n');
    await run('cp', ['--reflink=always', probe, `${probe}.clone`]);
    return { ok: true };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { ok: false, why: (stderr?.split(': ').at(-1) || (error as Error).message).trim() };
  } finally {
    await Promise.all([rm(probe, { force: true }), rm(`${probe}.clone`, { force: true })]);
  }
}
