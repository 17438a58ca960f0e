// A loop-mounted XFS filesystem with reflink=1, for the clone tests and the
// branch benchmark: needs root, xfsprogs and a loop device. When one is
// missing, the reason comes back instead (the caller says it).
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ReflinkFs = { readonly ok: true; readonly dir: string; release(): Promise<void> } | { readonly ok: false; readonly reason: string };

export async function mountReflinkFs(sizeMb: number): Promise<ReflinkFs> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root (mount -o loop needs it)' };
  if (!(await run('mkfs.xfs', ['-V']).then(() => true, () => false))) return { ok: false, reason: 'mkfs.xfs not found (apt-get install -y xfsprogs)' };
  const base = await mkdtemp(join(tmpdir(), 'pggit-xfs-'));
  const image = join(base, 'xfs.img');
  const dir = join(base, 'mnt');
  try {
    await chmod(base, 0o755); // the server's account must reach the mount point
    const file = await open(image, 'w');
    await file.truncate(sizeMb * 1024 * 1024);
    await file.close();
    await run('mkfs.xfs', ['-q', '-m', 'reflink=1', image]);
    await mkdir(dir);
    await run('mount', ['-o', 'loop', image, dir]);
    await chmod(dir, 0o755);
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    return { ok: false, reason: `cannot mount an XFS image: ${((error as { stderr?: string }).stderr || (error as Error).message).trim()}` };
  }
  return {
    ok: true,
    dir,
    release: async () => {
      await run('umount', [dir]);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Bytes in use on the filesystem that holds dir. */
export async function usedBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return (stats.blocks - stats.bfree) * stats.bsize;
}
