// Two `pggit proxy` processes share one store; sessions on both commit DDL
// at once while each process reconciles every second. Head moves are
// serialised in the database: one line of history, nothing lost, every
// commit its own session's change, none claimed by reconciliation.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freePort } from '../src/cluster/index.js';
import { encodeObject, readCatalog } from '../src/history/index.js';
import { connectHistoryReader } from '../src/store/index.js';
import { freshDatabases } from './harness/history-check.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'rec_processes';
const STORE = 'rec_processes_store';
const SESSIONS_PER_PROXY = 4;
const TRANSACTIONS = 63; // 504 in all
const children: ChildProcess[] = [];
/** What each process logged so far. */
const logs: string[] = [];
let ports: number[] = [];

async function startProxyProcess(): Promise<number> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/run.ts', 'proxy', '--listen', `127.0.0.1:${port}`, '--upstream', urlFor(APP), '--store', urlFor(STORE), '--http', 'off', '--log-level', 'debug', '--reconcile-interval', '1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  const index = logs.push('') - 1;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    logs[index] = stderr;
  });
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
  await freshDatabases([APP, STORE], [APP]);
  // One after the other: each one's first look at the database must be over before the sessions start.
  ports = [await startProxyProcess(), await startProxyProcess()];
});

afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

async function allCommits(store: pg.Client): Promise<Array<{ kind: string; application_name: string; parents: string[]; keys: string[] }>> {
  const { rows } = await store.query(
    `SELECT c.kind, c.application_name, c.parents, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
       FROM pggit.commits c ORDER BY c.seq`,
  );
  return rows;
}

/** Main's head, key -> stored definition. */
async function recordedHead(): Promise<Map<string, string>> {
  const reader = connectHistoryReader({ url: urlFor(STORE) });
  try {
    const main = (await reader.branches(APP)).find((branch) => branch.name === 'main');
    return main?.head ? await reader.definitionsAt(main.head) : new Map();
  } finally {
    await reader.close();
  }
}

async function liveCatalog(): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: urlFor(APP) });
  await client.connect();
  try {
    return new Map((await readCatalog(client)).map((object) => [object.key, encodeObject(object)]));
  } finally {
    await client.end();
  }
}

describe('two proxy processes sharing one store', () => {
  // Through `pggit proxy` (serve.ts), not an in-process recorder: this is
  // what caught the CLI's change-set handler dropping the read's promise
  // (no ReadyForQuery held, each commit read with its session's next change).
  it('records every commit of concurrent sessions on one line of history, none claimed by reconciliation', async () => {
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
    const observed = async (): Promise<Awaited<ReturnType<typeof allCommits>>> => (await allCommits(store)).filter((c) => c.kind === 'observed');
    let commits = await observed();
    for (let waited = 0; commits.length < total && waited < 60_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      commits = await observed();
    }
    // Both processes reconcile once more after the last commit: still nothing detected.
    const seen = logs.map((log) => log.length);
    while (logs.some((log, i) => !log.slice(seen[i]).includes('"msg":"reconciled'))) await new Promise((resolve) => setTimeout(resolve, 100));
    const kinds = (await allCommits(store)).map((c) => c.kind);
    await store.end();
    expect(commits).toHaveLength(total);
    expect(kinds).toEqual(['baseline', ...Array(total).fill('observed')]);
    for (const commit of commits) expect(commit.keys).toEqual([`table:public.t_${commit.application_name}`]);
    expect(new Set(commits.map((c) => c.parents[0])).size).toBe(total);
    expect(await recordedHead()).toEqual(await liveCatalog());
  }, 300_000);
});
