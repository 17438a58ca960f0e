import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunningStates, withoutPassword, writeRunningState, type RunningPggit } from './state-file.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function state(overrides: Partial<RunningPggit>): RunningPggit {
  return {
    pid: process.pid,
    command: 'proxy',
    version: 'test',
    startedAt: new Date().toISOString(),
    connect: 'postgres://app@127.0.0.1:6432/app',
    listen: { host: '127.0.0.1', port: 6432 },
    upstream: 'postgres://app@db:5432/app',
    store: 'postgres://app@db:5432/pggit',
    http: 'http://127.0.0.1:9187',
    dataDir: null,
    ...overrides,
  };
}

describe('state file of a running pggit', () => {
  it('strips passwords from user info and from ?password=', () => {
    expect(withoutPassword('postgres://me:s3cret@db:5432/app')).toBe('postgres://me@db:5432/app');
    expect(withoutPassword('postgres://me@db/app?password=s3cret&sslmode=require')).toBe('postgres://me@db/app?sslmode=require');
    expect(withoutPassword('postgres://db/app')).toBe('postgres://db/app');
  });

  it('never writes a password, and reads back what it wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pggit-state-'));
    dirs.push(dir);
    const env = { PGGIT_STATE_DIR: dir };
    const remove = await writeRunningState(env, state({ upstream: 'postgres://me:hunter2@db/app', store: 'postgres://me@db/pggit?password=hunter2' }));
    const [file] = await readdir(dir);
    expect(await readFile(join(dir, file!), 'utf8')).not.toContain('hunter2');
    const [read] = await readRunningStates(env);
    expect(read).toMatchObject({ pid: process.pid, upstream: 'postgres://me@db/app', store: 'postgres://me@db/pggit' });
    await remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('forgets (and removes) the files of processes that are gone, newest live one first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pggit-state-'));
    dirs.push(dir);
    const env = { PGGIT_STATE_DIR: dir };
    // pid 2^22 + 1 is above Linux's pid_max: no such process.
    await writeFile(join(dir, 'proxy-4194305.json'), JSON.stringify(state({ pid: 4194305 })));
    await writeFile(join(dir, 'up-1.json'), JSON.stringify(state({ pid: 1, command: 'up', startedAt: '2020-01-01T00:00:00Z' })));
    await writeFile(join(dir, 'proxy-2.json'), '{ half written');
    const remove = await writeRunningState(env, state({}));
    const running = await readRunningStates(env);
    expect(running.map((entry) => entry.pid)).toEqual([process.pid, 1]);
    expect(await readdir(dir)).not.toContain('proxy-4194305.json');
    await remove();
  });
});
