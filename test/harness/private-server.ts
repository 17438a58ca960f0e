// A private PostgreSQL server for tests that stop, restart or reconfigure
// it (the shared test server must stay up for every other file).
import { chown, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster, serverUser } from '../../src/cluster/index.js';

/** A temporary directory the server's account owns (pg_ctl runs as postgres when the tests run as root). */
export async function serverOwnedTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const user = await serverUser();
  if (user.switched) await chown(dir, user.uid, user.gid);
  return dir;
}

/** Starts a server on dataDir; called again with the old port, restarts it where clients expect it. */
export function privateServer(dataDir: string): (port?: number) => Promise<LocalCluster> {
  return (port) => LocalCluster.start({ dataDir, settings: { fsync: 'off' }, ...(port === undefined ? {} : { port }) });
}
