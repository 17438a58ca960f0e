// The run's scratch directory: a copy of the suite and the modules where the
// server account can read them (the cache may sit under a private /root), and
// one directory per run for its cluster and pg_regress output.
import { chmod, chown, cp, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerUser } from '../../src/cluster/index.js';
import type { SuiteSource } from './source.js';

export interface WorkDir {
  readonly root: string;
  /** Copy of src/test/regress inputs: pg_regress --inputdir. */
  readonly inputDir: string;
  /** Copy of the built modules: pg_regress --dlpath. */
  readonly libDir: string;
  /** A fresh directory for one run (cluster data and pg_regress output). */
  runDir(name: string): Promise<string>;
}

const SUITE_FILES = ['sql', 'expected', 'data', 'parallel_schedule', 'resultmap'];

export async function makeWorkDir(source: SuiteSource, builtLibDir: string, user: ServerUser): Promise<WorkDir> {
  const root = await mkdtemp(join(tmpdir(), 'pggit-regress-'));
  await chmod(root, 0o755);
  const inputDir = join(root, 'suite');
  const libDir = join(root, 'lib');
  for (const name of SUITE_FILES) await cp(join(source.regressDir, name), join(inputDir, name), { recursive: true });
  await cp(builtLibDir, libDir, { recursive: true });
  await ownTree(root, user);
  return {
    root,
    inputDir,
    libDir,
    runDir: async (name) => {
      const dir = join(root, name);
      await mkdir(dir);
      await ownTree(dir, user);
      return dir;
    },
  };
}

/**
 * The server writes into the output directory (COPY TO, lo_export) and reads
 * the data files, so the tree belongs to the account the server runs as.
 */
async function ownTree(path: string, user: ServerUser): Promise<void> {
  if (!user.switched) return;
  await chown(path, user.uid, user.gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await ownTree(child, user);
    else await chown(child, user.uid, user.gid);
  }
}
