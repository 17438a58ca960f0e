// A PostgreSQL server of our own: initdb on first use, start on a private
// port and socket directory, fast shutdown on stop. Used by `pggit up`, the
// test harness, the regression runner and the benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { findPgBinaries, type PgBinaries } from './binaries.js';
import { freePort, portIsFree } from './free-port.js';
import { serverUser, type ServerUser } from './server-user.js';
import { ClusterError } from './cluster-error.js';

export interface ClusterOptions {
  /** Created by initdb when it holds no cluster yet. */
  readonly dataDir: string;
  /** TCP port; a free one when omitted. */
  readonly port?: number;
  readonly host?: string;
  /** Extra server settings, passed as -c name=value. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Server log; defaults to <dataDir>/../postgres.log. */
  readonly logFile?: string;
  readonly binaries?: PgBinaries;
  readonly onProgress?: (message: string) => void;
}

export const SUPERUSER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export class LocalCluster {
  private exited: Promise<void>;

  private constructor(
    readonly dataDir: string,
    readonly host: string,
    readonly port: number,
    readonly socketDir: string,
    readonly logFile: string,
    readonly binaries: PgBinaries,
    readonly user: ServerUser,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // If this process dies without stop(), take the server down with it.
    const killOnExit = (): void => void child.kill('SIGQUIT');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
  }

  static async start(options: ClusterOptions): Promise<LocalCluster> {
    const binaries = options.binaries ?? findPgBinaries();
    const user = await serverUser();
    const host = options.host ?? '127.0.0.1';
    const logFile = options.logFile ?? join(options.dataDir, '..', 'postgres.log');
    await refuseRunningServer(options.dataDir);
    if (!(await exists(join(options.dataDir, 'PG_VERSION')))) {
      options.onProgress?.(`initialising a PostgreSQL cluster in ${options.dataDir} (first run only)`);
      await initdb(binaries, user, options.dataDir);
    }
    const port = options.port ?? (await freePort(host));
    if (!(await portIsFree(port, host))) {
      throw new ClusterError('PORT_IN_USE', `port ${host}:${port} for the PostgreSQL server is already in use`);
    }
    const socketDir = await mkdtemp(join(tmpdir(), 'pggit-sock-'));
    await ownBy(socketDir, user);
    const args = ['-D', options.dataDir, '-p', String(port), '-c', `listen_addresses=${host}`];
    args.push('-c', `unix_socket_directories=${socketDir}`);
    for (const [name, value] of Object.entries(options.settings ?? {})) args.push('-c', `${name}=${value}`);
    const log = await open(logFile, 'a');
    if (user.switched) await log.chown(user.uid, user.gid).catch(() => undefined);
    const child = spawn(join(binaries.binDir, 'postgres'), args, {
      stdio: ['ignore', log.fd, log.fd],
      env: serverEnv(),
      ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
    });
    await log.close();
    const cluster = new LocalCluster(options.dataDir, host, port, socketDir, logFile, binaries, user, child);
    await cluster.waitUntilReady();
    return cluster;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** postgres://postgres@host:port/database */
  url(database = 'postgres', user = SUPERUSER): string {
    return `postgres://${encodeURIComponent(user)}@${this.host}:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Fast shutdown (SIGINT): active sessions are ended, then the server exits. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.socketDir, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exitedEarly = false;
    void this.exited.then(() => (exitedEarly = true));
    for (;;) {
      if (exitedEarly) throw new ClusterError('START_FAILED', `PostgreSQL exited during start:\n${await tail(this.logFile)}`);
      const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('select 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        this.child.kill('SIGQUIT');
        throw new ClusterError('START_FAILED', `PostgreSQL did not accept connections within 60 s:\n${await tail(this.logFile)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function initdb(binaries: PgBinaries, user: ServerUser, dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user.switched) await refuseUnreachable(dirname(resolve(dataDir)), user);
  await ownBy(dataDir, user);
  await chmod(dataDir, 0o700);
  const args = ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'];
  const output: Buffer[] = [];
  const child = spawn(join(binaries.binDir, 'initdb'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(),
    ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
  });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    const hint = user.switched ? ` (the server runs as "${user.name}": it must be able to reach ${dataDir})` : '';
    throw new ClusterError('INITDB_FAILED', `initdb failed${hint}:\n${Buffer.concat(output).toString()}`);
  }
}

/** The server account must be able to traverse every ancestor of the data dir. */
async function refuseUnreachable(dir: string, user: ServerUser): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current);
    const mayTraverse =
      (info.mode & 0o001) !== 0 ||
      (info.uid === user.uid && (info.mode & 0o100) !== 0) ||
      (info.gid === user.gid && (info.mode & 0o010) !== 0);
    if (!mayTraverse) {
      throw new ClusterError(
        'INITDB_FAILED',
        `PostgreSQL runs as "${user.name}", who cannot enter ${current}; choose a data directory it can reach (e.g. under /var/lib or /tmp)`,
      );
    }
    if (current === dirname(current)) return;
  }
}

/** A postmaster.pid whose process is alive means someone runs this cluster. */
async function refuseRunningServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number(text.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && (await isPostgres(pid))) {
    throw new ClusterError(
      'DATA_DIR_IN_USE',
      `PostgreSQL (pid ${pid}) is already running on ${dataDir}; stop it first or pass another --data-dir`,
    );
  }
  // Left behind by a crash: the server would refuse to start if the pid has
  // been reused by another process, so remove it ourselves.
  await unlink(pidFile).catch(() => undefined);
}

async function isPostgres(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('postgres');
  } catch {
    return true; // no /proc: trust that the pid is alive
  }
}

async function ownBy(path: string, user: ServerUser): Promise<void> {
  if (user.switched) await chown(path, user.uid, user.gid);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}

function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: process.env['TZ'] ?? 'UTC' };
}
