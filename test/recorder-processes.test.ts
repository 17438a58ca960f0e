// Two `pggit proxy` processes share one store; sessions on both commit DDL
// at once. Head moves are serialised in the database: one line of history,
// nothing lost, every commit its own session's change.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freePort } from '../src/cluster/index.js';
import { upstreamUrl } from './harness/proxy.js';

const APP = 'rec_processes';
const STORE = 'rec_processes_store';
const SESSIONS_PER_PROXY = 3;
const TRANSACTIONS = 15;
const children: ChildProcess[] = [];
let ports: number[] = [];

function urlFor(database: string): string {
  const url = new URL(upstreamUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function startProxyProcess(): Promise<number> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/run.ts', 'proxy', '--listen', `127.0.0.1:${port}`, '--upstream', urlFor(APP), '--store', urlFor(STORE), '--http', 'off', '--log-level', 'debug'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Ready, and its first look at the database done (a baseline, or no
  // difference when the other process made it): later DDL is then its own.
  const firstReadDone = (): boolean => /"msg":"(recorded|reconciled: no difference)"/.test(stderr);
  for (;;) {
    if (stderr.includes('"msg":"ready"') && firstReadDone()) return port;
    if (child.exitCode !== null) throw new Error(`pggit proxy exited:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const db of [APP, STORE]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  // One after the other: each one's first look at the database must be over before the sessions start.
  ports = [await startProxyProcess(), await startProxyProcess()];
});

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

async function observedCommits(store: pg.Client): Promise<Array<{ application_name: string; parents: string[]; keys: string[] }>> {
  const { rows } = await store.query(
    `SELECT c.application_name, c.parents, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
       FROM pggit.commits c WHERE c.kind = 'observed' ORDER BY c.seq`,
  );
  return rows;
}

describe('two proxy processes sharing one store', () => {
  it('records every commit of concurrent sessions on one line of history', async () => {
    const sessions = ports.flatMap((port, p) =>
      Array.from({ length: SESSIONS_PER_PROXY }, async (_, s) => {
        const name = `p${p}s${s}`;
        const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${APP}`, application_name: name });
        await client.connect();
        await client.query(`CREATE TABLE t_${name} (id int)`);
        for (let n = 1; n < TRANSACTIONS; n++) await client.query(`ALTER TABLE t_${name} ADD COLUMN c${n} int`);
        await client.end();
      }),
    );
    await Promise.all(sessions);
    const total = ports.length * SESSIONS_PER_PROXY * TRANSACTIONS;
    const store = new pg.Client({ connectionString: urlFor(STORE) });
    await store.connect();
    let commits = await observedCommits(store);
    for (let waited = 0; commits.length < total && waited < 30_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      commits = await observedCommits(store);
    }
    await store.end();
    expect(commits).toHaveLength(total);
    for (const commit of commits) expect(commit.keys).toEqual([`table:public.t_${commit.application_name}`]);
    expect(new Set(commits.map((c) => c.parents[0])).size).toBe(total);
  });
});
