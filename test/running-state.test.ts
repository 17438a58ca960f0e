// After `pggit proxy` (or `up`) starts, the other commands find it with no
// flags: log, branch create, status; its state file holds no password.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { LogResult } from '../src/history/index.js';
import { runCli, runCliJson } from './harness/cli.js';
import { upstreamUrl } from './harness/proxy.js';
import { startProxyProcess, type ProxyProcess } from './harness/proxy-process.js';

const APP = 'rs_app';
const STORE = 'rs_store';
const SECRET = 'Sup3rSecretPw';
let stateDir: string;
let proxy: ProxyProcess;

function urlFor(database: string, password?: string): string {
  const url = new URL(upstreamUrl());
  url.pathname = `/${database}`;
  if (password) url.password = password;
  return url.toString();
}

const env = (): Record<string, string> => ({ PGGIT_STATE_DIR: stateDir });

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'pggit-rs-'));
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${APP}@feature" WITH (FORCE)`);
  for (const db of [APP, STORE]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  // The test server trusts local connections: the password is only there to be kept out of the state file.
  proxy = await startProxyProcess(['--upstream', urlFor(APP, SECRET), '--store', `${urlFor(STORE, SECRET)}?password=${SECRET}`], env());
});

afterAll(async () => {
  await proxy?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe('the CLI finds a running pggit', () => {
  it('writes where it serves, without the password', async () => {
    const files = await readdir(stateDir);
    expect(files).toEqual([`proxy-${proxy.child.pid}.json`]);
    const text = await readFile(join(stateDir, files[0]!), 'utf8');
    expect(text).not.toContain(SECRET);
    const status = await runCliJson<{ running: Array<{ pid: number; store: string; http: string; httpAnswers: boolean; connect: string }> }>(['status'], env());
    expect(status.running).toHaveLength(1);
    expect(status.running[0]).toMatchObject({ pid: proxy.child.pid, store: urlFor(STORE), http: proxy.http, httpAnswers: true });
    expect(status.running[0]!.connect).toBe(`postgres://${new URL(upstreamUrl()).username || 'postgres'}@127.0.0.1:${proxy.port}/${APP}`);
  });

  it('log and branch create work with no flags, and the branch is reachable as APP@feature', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${APP}` });
    await client.connect();
    await client.query('CREATE TABLE rs_users (id int PRIMARY KEY)');
    await client.end();
    let log: LogResult;
    do log = await runCliJson<LogResult>(['log'], env());
    while (!log.commits.some((commit) => commit.message.includes('rs_users')));
    expect(log.repository).toBe(APP);

    const created = await runCli(['branch', 'create', 'feature'], env());
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const onBranch = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${APP}@feature` });
    await onBranch.connect();
    const { rows } = await onBranch.query(`SELECT to_regclass('public.rs_users') IS NOT NULL AS present`);
    await onBranch.end();
    expect(rows[0].present).toBe(true);
  });

  it('says nothing runs once the proxy stopped, and flags still win over the state file', async () => {
    const other = await runCli(['log', '--store', urlFor('rs_no_such_store')], env());
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('rs_no_such_store');
    await proxy.stop();
    const status = await runCli(['status'], env());
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('no pggit is running');
    expect(await readdir(stateDir)).toEqual([]);
  });
});
