// Where `pggit up` keeps its PostgreSQL cluster and logs.
import { constants } from 'node:fs';
import { access, mkdir, chown } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServerUser } from '../cluster/index.js';

/**
 * ~/.pggit by default. As root the server runs as an unprivileged account
 * that usually cannot enter /root, so root's default is /var/lib/pggit.
 */
export function defaultBaseDir(user: ServerUser): string {
  if (user.switched && homedir() === '/root') return '/var/lib/pggit';
  return join(homedir(), '.pggit');
}

/** Creates base (owned by the server account) so initdb can make data/ in it. */
export async function prepareBaseDir(base: string, user: ServerUser): Promise<void> {
  await mkdir(base, { recursive: true, mode: 0o700 });
  if (user.switched) await chown(base, user.uid, user.gid);
  await access(base, constants.W_OK);
}
