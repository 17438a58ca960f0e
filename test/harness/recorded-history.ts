// A database with a real recorded history, made through a `pggit proxy`
// child process: a few migrations on main by two applications, a branch
// with its own commit. Shared by the API and browser tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LogResult } from '../../src/history/index.js';
import { upstreamUrl } from './proxy.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';

export interface RecordedHistory {
  readonly proxy: ProxyProcess;
  readonly app: string;
  readonly storeUrl: string;
  /** PGGIT_STATE_DIR for CLI children: they find this proxy. */
  readonly env: Record<string, string>;
  /** A client through the proxy. */
  connect(database?: string, application?: string): Promise<pg.Client>;
  /** Waits until main's (or branch's) log, read over the API, has a commit whose message contains text. */
  waitForCommit(text: string, branch?: string): Promise<void>;
  stop(): Promise<void>;
}

export function urlFor(database: string): string {
  const url = new URL(upstreamUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

export async function recordHistory(prefix: string, extraArgs: readonly string[] = []): Promise<RecordedHistory> {
  const app = `${prefix}_app`;
  const storeDb = `${prefix}_store`;
  const stateDir = await mkdtemp(join(tmpdir(), `pggit-${prefix}-`));
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  // Branch databases of an earlier run.
  const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${app}@`]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  for (const db of [app, storeDb]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${app}`);
  await admin.end();
  const env = { PGGIT_STATE_DIR: stateDir };
  const proxy = await startProxyProcess(['--upstream', urlFor(app), '--store', urlFor(storeDb), '--api-token', 'test-token', ...extraArgs], env);
  const history: RecordedHistory = {
    proxy,
    app,
    storeUrl: urlFor(storeDb),
    env,
    connect: async (database = app, application = 'test') => {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${database}`, application_name: application });
      await client.connect();
      return client;
    },
    waitForCommit: async (text, branch = 'main') => {
      for (;;) {
        const response = await fetch(`${proxy.http}/api/log?db=${app}&branch=${encodeURIComponent(branch)}`);
        const log = (await response.json()) as LogResult;
        if (response.ok && log.commits.some((commit) => commit.message.includes(text))) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: async () => {
      await proxy.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return history;
}

/** The story the page tests click through: users and orders on main, a branch "feature" with a column of its own. */
export async function migrate(history: RecordedHistory): Promise<void> {
  const migrator = await history.connect(history.app, 'migrate');
  const admin = await history.connect(history.app, 'admin-console');
  const step = (client: pg.Client, ...statements: string[]): Promise<void> => changeAndWait(history, client, ...statements);
  await step(migrator, 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)');
  await step(migrator, 'BEGIN', "SET LOCAL pggit.message = 'orders: a table of their own'", 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, total numeric(10,2))', 'COMMIT');
  await step(migrator, 'CREATE INDEX orders_user ON orders (user_id)');
  await step(admin, 'ALTER TABLE users ADD COLUMN name text');
  await step(admin, 'CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100');
  await migrator.end();
  await admin.end();
  // Through the API (no CLI child process: those are slow on a busy machine; test/running-state.test.ts runs the CLI).
  const created = await postApi(history, 'branches', { name: 'feature', db: history.app });
  if (created.status !== 201) throw new Error(`branch create failed: ${JSON.stringify(created.body)}`);
  const feature = await history.connect(`${history.app}@feature`, 'migrate');
  await step(feature, 'ALTER TABLE users ADD COLUMN nickname text');
  await step(feature, 'BEGIN', "SET LOCAL pggit.message = 'users: email may be empty'", 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL', 'COMMIT');
  await feature.end();
}

/** Runs statements on a client through the proxy and waits until their commit is in the branch's log: one change, one commit. */
export async function changeAndWait(history: RecordedHistory, client: pg.Client, ...statements: string[]): Promise<void> {
  const branch = client.database?.includes('@') ? client.database.slice(client.database.lastIndexOf('@') + 1) : 'main';
  const before = await commitCount(history, branch);
  for (const statement of statements) await client.query(statement);
  while ((await commitCount(history, branch)) <= before) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A write through the JSON API, with the proxy's token (test-token). */
export async function postApi(history: RecordedHistory, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${history.proxy.http}/api/${path}`, { method: 'POST', headers: { authorization: 'Bearer test-token' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function commitCount(history: RecordedHistory, branch: string): Promise<number> {
  const response = await fetch(`${history.proxy.http}/api/log?db=${history.app}&branch=${branch}`);
  return response.ok ? ((await response.json()) as LogResult).commits.length : 0;
}
