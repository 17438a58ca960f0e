// pgbouncer in session mode, when the machine has it: the proxy to beat.
// It refuses to run as root, so as root it runs as the server's account.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/cluster/index.js';
import { spawnServer, waitForPostgres } from './child.js';
import type { BenchPath, PathContext } from './path.js';

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];

export function findPgbouncer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env['PATH'] ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  return dirs.map((dir) => join(dir, 'pgbouncer')).find((file) => existsSync(file));
}

export const pgbouncerPath: BenchPath = {
  name: 'pgbouncer',
  description: 'pgbouncer, pool_mode=session',
  async unavailable() {
    return findPgbouncer() ? undefined : 'pgbouncer is not installed (apt-get install -y pgbouncer)';
  },
  async start(context) {
    const binary = findPgbouncer();
    if (!binary) throw new Error('pgbouncer is not installed');
    const host = '127.0.0.1';
    const port = await freePort(host);
    const dir = join(context.workDir, 'pgbouncer');
    const config = await writeConfig(dir, host, port, context);
    const user = context.serverUser;
    const server = await spawnServer({
      name: 'pgbouncer',
      command: binary,
      args: [config],
      logFile: join(dir, 'stdout.log'),
      cwd: dir,
      ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
      stopSignal: 'SIGTERM', // immediate shutdown; SIGINT would wait for clients
    });
    const { upstream } = context;
    await waitForPostgres(server, 'pgbouncer', `postgres://${upstream.user}@${host}:${port}/${upstream.database}`);
    return { host, port, pid: server.pid, details: { binary, version: await version(binary) }, stop: () => server.stop() };
  },
};

async function writeConfig(dir: string, host: string, port: number, context: PathContext): Promise<string> {
  const { upstream, serverUser } = context;
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'pgbouncer.ini': [
      '[databases]',
      `* = host=${upstream.host} port=${upstream.port}`,
      '[pgbouncer]',
      `listen_addr = ${host}`,
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = session',
      `default_pool_size = ${context.clients + 2}`,
      `max_client_conn = ${context.clients * 4 + 10}`,
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
    'userlist.txt': `"${upstream.user}" ""\n`,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  if (serverUser.switched) {
    await chown(dir, serverUser.uid, serverUser.gid);
    for (const name of Object.keys(files)) await chown(join(dir, name), serverUser.uid, serverUser.gid);
  }
  return join(dir, 'pgbouncer.ini');
}

async function version(binary: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(binary, ['--version']);
    return stdout.split('\n')[0]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
