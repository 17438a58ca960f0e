// initdb and postgres refuse to run as root. When we are root the server runs
// as an unprivileged account (`postgres`, created if the machine lacks it)
// and owns its data directory; otherwise it runs as us.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** True when the server runs as someone other than this process. */
  readonly switched: boolean;
}

export const SERVER_ACCOUNT = 'postgres';

export async function serverUser(): Promise<ServerUser> {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  if (uid !== 0) return { name: process.env['USER'] ?? String(uid), uid, gid, switched: false };
  const existing = await lookup(SERVER_ACCOUNT);
  if (existing) return existing;
  await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_ACCOUNT]);
  const created = await lookup(SERVER_ACCOUNT);
  if (!created) throw new Error(`could not create the unprivileged "${SERVER_ACCOUNT}" account to run PostgreSQL`);
  return created;
}

async function lookup(name: string): Promise<ServerUser | undefined> {
  try {
    const [u, g] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), switched: true };
  } catch {
    return undefined;
  }
}
