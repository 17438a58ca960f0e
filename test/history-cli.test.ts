// `pggit log`, `show` and `schema` as a user runs them (child processes),
// against a history that a recorder built from DDL sent through the proxy:
// order and fields, the --object filter, -n, statements and object diffs,
// every kind of revision, and the errors for what does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { CatalogPools, Recorder, type CommitDetails, type LogResult, type SchemaAt } from '../src/history/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { runCli, runCliJson } from './harness/cli.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { expectStoredTreesMatchReplay } from './harness/replayed-trees.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'hcli_app';
const STORE = 'hcli_store';
const FAKE = 'hcli_fake'; // a second repository, with hand-made ids that share a prefix

let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let pools: CatalogPools;
let client: pg.Client;
let storeUrl: string;
/** Head after the baseline and after each step, oldest first. */
const heads: string[] = [];
/** A time between step 3 and step 4. */
let between: string;

async function head(): Promise<string> {
  const { rows } = await store.pool.query(
    `SELECT b.head FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id WHERE r.name = $1 AND b.name = 'main'`,
    [APP],
  );
  return rows[0].head;
}

async function step(...statements: string[]): Promise<void> {
  for (const statement of statements) await client.query(statement);
  await recorder.idle();
  heads.push(await head());
}

/** Waits until the clock reads later than time (a millisecond at most, the resolution of commit times). */
async function clockPast(time: Date): Promise<void> {
  while (Date.now() <= time.getTime()) await new Promise((resolve) => setImmediate(resolve));
}

const cli = (args: string[]) => runCli([...args, '--store', storeUrl, '--db', APP]);
const json = <T>(args: string[]) => runCliJson<T>([...args, '--store', storeUrl, '--db', APP]);

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const db of [APP, STORE, 'hcli_nostore']) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${APP}`);
  await admin.end();
  storeUrl = urlFor(STORE);
  store = connectStore({ url: storeUrl });
  pools = new CatalogPools(upstreamUrl());
  recorder = new Recorder({ store, pools, logger: pino({ level: 'warn' }) });
  proxy = await startWiredProxy({
    onChangeSet: (cs) => recorder.submit(cs.session.database, cs),
    onSessionReady: (database) => recorder.noteDatabase(database),
  });
  client = new pg.Client({ connectionString: proxy.url({ database: APP }), application_name: 'hcli-test' });
  await client.connect();
  await recorder.idle();
  heads.push(await head()); // the baseline
  await step('CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL)');
  await step('BEGIN', "SET LOCAL pggit.message = 'orders table'", 'CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users)', 'COMMIT');
  await step('CREATE INDEX users_email_idx ON users (email)');
  // The third commit's own time: at it, the third commit is the latest; the clock moves past it before the fourth.
  const third = await store.pool.query('SELECT committed_at FROM pggit.commits WHERE id = $1', [heads.at(-1)]);
  between = (third.rows[0].committed_at as Date).toISOString();
  await clockPast(new Date(between));
  await step('ALTER TABLE users ADD COLUMN note text');
  await step('CREATE VIEW recent_orders AS SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id');

  // A second repository whose two commits share the prefix "abcd".
  const fake = ['abcd' + '0'.repeat(60), 'abcd' + '1'.repeat(60)];
  await store.pool.query(
    `WITH r AS (INSERT INTO pggit.repositories (name) VALUES ($1) RETURNING id),
          c AS (INSERT INTO pggit.commits (id, repository_id, parents, tree_hash, kind, branch, message, committed_at, depth, checkpoint)
                SELECT x.id, r.id, x.parents, 'none', 'baseline', 'main', 'fake', now(), x.depth, $2
                  FROM r, (VALUES ($2, '{}'::text[], 0), ($3, ARRAY[$2], 1)) AS x(id, parents, depth) RETURNING 1)
     INSERT INTO pggit.branches (repository_id, name, head, database) SELECT r.id, 'main', $3, $1 FROM r`,
    [FAKE, ...fake],
  );
}, 60_000);

afterAll(async () => {
  await client?.end();
  await proxy?.stop();
  recorder?.stop();
  await pools?.end();
  await store?.pool.end();
});

describe('pggit log', () => {
  it('lists the commits newest first with kind, time, author, application and message', async () => {
    const log = await json<LogResult>(['log']);
    expect(log.repository).toBe(APP);
    expect(log.branch).toBe('main');
    expect(log.commits.map((commit) => commit.id)).toEqual([...heads].reverse());
    expect(log.commits.map((commit) => commit.kind)).toEqual(['observed', 'observed', 'observed', 'observed', 'observed', 'baseline']);
    expect(log.commits[3]).toMatchObject({
      shortId: heads[2]!.slice(0, 12),
      parents: [heads[1]],
      author: 'postgres',
      database: APP,
      application: 'hcli-test',
      message: 'orders table',
      statementCount: 1,
    });
    expect(log.commits[5]!.parents).toEqual([]);
    for (const commit of log.commits) expect(new Date(commit.committedAt).toISOString()).toBe(commit.committedAt);

    const text = await cli(['log']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(new RegExp(`^${heads[5]!.slice(0, 12)}  observed  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d  postgres  hcli-test  create view recent_orders$`));
    expect(lines[5]).toMatch(/ baseline .* - +- +baseline: /);
  });

  it('keeps only the commits that touched an object, its indexes included, and the first N with -n', async () => {
    const [users, orders, nothing, two, fromRef] = await Promise.all([
      json<LogResult>(['log', '--object', 'public.users']),
      json<LogResult>(['log', '--object', 'ORDERS']),
      json<LogResult>(['log', '--object', 'public.nothing']),
      json<LogResult>(['log', '-n', '2']),
      json<LogResult>(['log', 'HEAD~2', '-n', '1']),
    ]);
    expect(users.commits.map((commit) => commit.id)).toEqual([heads[4], heads[3], heads[1]]);
    expect(orders.commits.map((commit) => commit.message)).toEqual(['orders table']);
    expect(nothing.commits).toEqual([]);
    expect(two.commits.map((commit) => commit.id)).toEqual([heads[5], heads[4]]);
    expect(fromRef.commits.map((commit) => commit.id)).toEqual([heads[3]]);
  });
});

describe('pggit show', () => {
  it('shows the metadata, the statements and the line diff of a changed table', async () => {
    const shown = await json<CommitDetails>(['show', 'HEAD~1']);
    expect(shown.commit.id).toBe(heads[4]);
    expect(shown.statements).toEqual(['ALTER TABLE users ADD COLUMN note text']);
    expect(shown.diff.against).toBe(heads[3]);
    expect(shown.diff.added).toEqual([]);
    expect(shown.diff.removed).toEqual([]);
    expect(shown.diff.changed.map((change) => change.key)).toEqual(['table:public.users']);
    const lines = shown.diff.changed[0]!.diff;
    expect(lines[0]).toMatch(/^@@ -\d+(,\d+)? \+\d+(,\d+)? @@$/);
    expect(lines.filter((line) => line.startsWith('+')).join('\n')).toContain('note text');
    expect(shown.diff.changed[0]!.after.definition).toContain('note text');
    expect(shown.diff.changed[0]!.before.definition).not.toContain('note');
  });

  it('prints a commit for people: fields, message, statements, added objects', async () => {
    const text = await cli(['show', heads[2]!.slice(0, 8)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`commit ${heads[2]}\n`);
    expect(text.stdout).toMatch(/Kind: +observed\n/);
    expect(text.stdout).toMatch(/Author: +postgres\n/);
    expect(text.stdout).toMatch(/Application: +hcli-test\n/);
    expect(text.stdout).toMatch(/Backend PID: +\d+\n/);
    expect(text.stdout).toContain('    orders table\n');
    expect(text.stdout).toContain('Statements:\n    CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);\n');
    expect(text.stdout).toContain(`Changes against ${heads[1]!.slice(0, 12)}: `);
    expect(text.stdout).toContain('  + table:public.orders\n');
    expect(text.stdout).toMatch(/\n\+CREATE TABLE public\.orders \(/);
  });
});

describe('pggit schema and revisions', () => {
  const at = async (ref: string) => json<SchemaAt>(['schema', '--at', ref]);

  it('renders the schema at HEAD, HEAD~N, a prefix, a branch and a time', async () => {
    const [current, main, previous, root, third, atTime, beforeTime, text] = await Promise.all([
      at('HEAD'),
      at('main'),
      at('HEAD~1'),
      at('main~5'),
      at(heads[3]!.slice(0, 6).toUpperCase()),
      at(`main@{${between}}`),
      at(`@{${between}}~1`),
      cli(['schema']),
    ]);
    const unowned = await json<SchemaAt>(['schema', '--no-owners']);
    expect(current.sql).toMatch(/^ALTER TABLE public\.users OWNER TO \S+;$/m);
    expect(unowned.sql).not.toContain(' OWNER TO ');
    expect(unowned.sql).toContain('CREATE VIEW public.recent_orders');
    expect(current.commit.id).toBe(heads[5]);
    expect(current.sql).toContain('CREATE VIEW public.recent_orders');
    expect(current.objects.map((object) => object.key)).toContain('index:public.users_email_idx');
    expect(main.commit.id).toBe(heads[5]);
    expect(previous.sql).not.toContain('recent_orders');
    expect(root.commit.id).toBe(heads[0]);
    expect(third.commit.id).toBe(heads[3]);
    expect(third.sql).toContain('users_email_idx');
    expect(third.sql).not.toContain('note');
    expect(atTime.commit.id).toBe(heads[3]);
    expect(beforeTime.commit.id).toBe(heads[2]);
    expect(text.code).toBe(0);
    expect(text.stdout.startsWith(`-- pggit: schema of database "${APP}" at ${heads[5]!.slice(0, 12)} (HEAD), observed `)).toBe(true);
    expect(text.stdout).toContain(current.sql);
  });

  it('says which prefixes are ambiguous and what an unknown revision was tried as', async () => {
    const [ambiguous, unique] = await Promise.all([
      runCli(['show', 'abcd', '--store', storeUrl, '--db', FAKE]),
      runCliJson<CommitDetails>(['show', 'abcd1', '--store', storeUrl, '--db', FAKE]),
    ]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('commit id prefix "abcd" is ambiguous in "hcli_fake": abcd00000000, abcd11111111');
    expect(unique.commit.id).toBe('abcd' + '1'.repeat(60));

    const cases: Array<[string[], RegExp]> = [
      [['show', 'nosuch'], /unknown revision "nosuch" in "hcli_app": no branch of that name \(branches: main\) and not a commit id/],
      [['show', 'deadbeef'], /unknown revision "deadbeef" in "hcli_app": no branch of that name \(branches: main\) and no commit id that starts with it/],
      [['show', 'abc'], /at least 4 hex digits/],
      [['show', 'HEAD~9'], /has only 5 first-parent ancestors, not 9/],
      [['schema', '--at', 'main@{1999-01-01}'], /branch "main" has no commit at or before 1999-01-01/],
      [['schema', '--at', 'main@{not a time}'], /PostgreSQL does not read "not a time" as a time/],
      [['log', '--branch', 'feature'], /no branch "feature" in "hcli_app"; branches: main/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    cases.forEach(([args, message], i) => {
      expect({ args, code: results[i]!.code }).toEqual({ args, code: 1 });
      expect(results[i]!.stderr).toMatch(message);
    });
  });

  it('names the repositories when the database is unknown or not given, and refuses to invent a store', async () => {
    const [unknown, unnamed, fromEnv, missing, notAStore, usage, badObject] = await Promise.all([
      runCli(['log', '--store', storeUrl, '--db', 'nope']),
      runCli(['log'], { PGGIT_STORE_URL: storeUrl }),
      runCli(['log', '-n', '1', '--json'], { PGGIT_STORE_URL: storeUrl, PGDATABASE: APP }),
      runCli(['log', '--store', urlFor('hcli_nostore')]),
      runCli(['log', '--store', urlFor(APP)]),
      cli(['log', '-n', 'many']),
      cli(['log', '--object', 'a.b.c']),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no history for database "nope" in this store; repositories: hcli_app, hcli_fake');
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('pick one with --db NAME: hcli_app, hcli_fake');
    expect(JSON.parse(fromEnv.stdout).repository).toBe(APP);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no pggit history at postgres:\/\/.*\/hcli_nostore: the database does not exist\. Has a proxy run with this store\?/);
    expect(notAStore.code).toBe(1);
    expect(notAStore.stderr).toContain('the database has no pggit schema');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('-n needs a whole number');
    expect(badObject.code).toBe(2);
    const admin = new pg.Client({ connectionString: upstreamUrl() });
    await admin.connect();
    const created = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'hcli_nostore'");
    await admin.end();
    expect(created.rowCount).toBe(0);
  });
});

describe('stored trees of this history', () => {
  it('equal a full replay of the first-parent chain at every commit', async () => {
    expect(await expectStoredTreesMatchReplay(store.pool)).toBeGreaterThan(2);
  });
});
