// pggit merge end to end through a real proxy with real branches: a table
// of scenarios (base script, one script per side) covering each clean case
// and each conflict kind. A clean merge must leave main's schema equal
// (pg_dump -s) to applying base, ours and theirs by hand; each conflict is
// resolved both ways (a fresh repository each) and checked the same way
// against base + the side taken. Then --abort, --with-data, fast-forward,
// and a merge started by one process and continued by another.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Registry } from 'prom-client';
import { continueMerge, createBranch, mergeBranches, resolveMergeConflict, type BranchContext } from '../src/branch/index.js';
import type { Recorder } from '../src/history/index.js';
import { mergeRoutes, startHttpServer, type RunningHttpServer } from '../src/http/index.js';
import { HistoryReader, type HistoryStore } from '../src/store/index.js';
import { runCli } from './harness/cli.js';
import { upstreamUrl, type TestProxy } from './harness/proxy.js';
import { startRecordingProxy } from './harness/recording-proxy.js';
import { dumpBlocks, dumpSchema } from './harness/scratch-database.js';

const STORE = 'mg_store';
let proxy: TestProxy;
let recorder: Recorder;
let store: HistoryStore;
let stopRecording: (() => Promise<void>) | undefined;
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
  ({ proxy, recorder, store, stop: stopRecording } = await startRecordingProxy(databaseUrl(STORE)));
  context = { store, upstreamUrl: upstreamUrl() };
  http = await startHttpServer({ port: 0, registry: new Registry(), routes: mergeRoutes({ context, reader: new HistoryReader(store.pool, STORE), apiToken: 'sekrit' }) });
});

afterAll(async () => {
  await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  await http?.close();
  await stopRecording?.();
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
    // One fresh repository per way: both run at once.
    await Promise.all((['ours', 'theirs'] as const).map(async (take) => {
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
    }));
  }, 180_000);
});

const cli = (args: string[]) => runCli([...args, '--store', databaseUrl(STORE), '--upstream', upstreamUrl()]);

async function storeState(repo: string): Promise<unknown> {
  const { rows } = await store.pool.query(
    `SELECT (SELECT json_agg(c.id ORDER BY c.seq) FROM pggit.commits c WHERE c.repository_id = r.id) AS commits,
            (SELECT json_agg(json_build_array(b.name, b.head) ORDER BY b.name) FROM pggit.branches b WHERE b.repository_id = r.id) AS heads,
            (SELECT count(*)::int FROM pggit.merges m WHERE m.repository_id = r.id) AS merges
       FROM pggit.repositories r WHERE r.name = $1`,
    [repo],
  );
  return rows[0];
}

describe('pggit merge: the merge in progress', () => {
  it('--abort leaves both branches and the store exactly as before', async () => {
    const repo = await repository(CONFLICTS[1]!);
    const before = { main: await schemaOf(repo), feature: await schemaOf(`${repo}@feature`), store: await storeState(repo) };
    const started = await cli(['merge', 'feature', '--db', repo]);
    expect(started.code, started.stderr).toBe(1);
    expect(started.stdout).toContain('modify/modify');
    expect(started.stdout).toContain('table:public.t');
    expect(await storeState(repo)).not.toEqual(before.store);
    const again = await cli(['merge', 'feature', '--db', repo]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('in progress');
    const aborted = await cli(['merge', '--abort', '--db', repo]);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect({ main: await schemaOf(repo), feature: await schemaOf(`${repo}@feature`), store: await storeState(repo) }).toEqual(before);
    expect((await cli(['merge', '--status', '--db', repo])).code).toBe(1);
  }, 120_000);

  it('one process starts a merge, another resolves with --sql, the HTTP API continues it', async () => {
    const repo = await repository(CONFLICTS[1]!);
    const dry = await cli(['merge', 'feature', '--db', repo, '--dry-run', '--json']);
    expect(dry.code).toBe(1);
    const shown = JSON.parse(dry.stdout) as Record<string, unknown>;
    expect(Object.keys(shown)).toEqual(expect.arrayContaining(['source', 'target', 'base', 'fastForward', 'plan', 'conflicts']));
    expect(shown['conflicts']).toEqual([expect.objectContaining({ key: 'table:public.t', kind: 'modify/modify', base: expect.stringContaining('CREATE TABLE public.t'), resolution: null })]);
    expect((await storeState(repo)) as { merges: number }).toMatchObject({ merges: 0 });

    expect((await cli(['merge', 'feature', '--db', repo])).code).toBe(1);
    const status = JSON.parse((await cli(['merge', '--status', '--json', '--db', repo])).stdout) as { conflicts: Array<{ ours: string; theirs: string }> };
    const file = join(mkdtempSync(join(tmpdir(), 'pggit-merge-')), 'resolution.sql');
    writeFileSync(file, status.conflicts[0]!.theirs.replace('DEFAULT 2', 'DEFAULT 3'));
    const resolved = await cli(['merge', '--resolve', 'table:public.t', '--sql', file, '--db', repo, '--json']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect((JSON.parse(resolved.stdout) as { plan: Array<{ sql: string }> }).plan.map((s) => s.sql)).toContain('ALTER TABLE public.t ALTER COLUMN b SET DEFAULT 3;');

    const url = `http://127.0.0.1:${http.port}/api/merge`;
    expect((await fetch(`${url}/continue`, { method: 'POST', body: JSON.stringify({ db: repo }) })).status).toBe(401);
    const continued = await fetch(`${url}/continue`, { method: 'POST', body: JSON.stringify({ db: repo }), headers: { authorization: 'Bearer sekrit' } });
    expect(continued.status).toBe(200);
    expect(await continued.json()).toMatchObject({ applied: true, inProgress: false });
    const main = await direct(repo);
    expect((await main.query(`SELECT column_default FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b'`)).rows).toEqual([{ column_default: '3' }]);
    expect((await fetch(`${url}?db=${repo}`)).status).toBe(404);
  }, 120_000);

  it('the HTTP API starts, shows, resolves and aborts a merge', async () => {
    const repo = await repository(CONFLICTS[0]!);
    const url = `http://127.0.0.1:${http.port}/api/merge`;
    const headers = { authorization: 'Bearer sekrit' };
    // A preview is a dry run: a read, no token, nothing kept.
    const preview = await fetch(`${url}/preview?db=${repo}&source=feature`);
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ source: 'feature', target: 'main', inProgress: false, applied: false, conflicts: [{ key: 'table:public.n', kind: 'add/add' }] });
    expect(await (await fetch(`${url}s?db=${repo}`)).json()).toEqual({ repository: repo, merges: [] });
    expect(await (await fetch(`${url}/preview?db=${repo}`)).json()).toEqual({ code: 'BAD_REQUEST', message: '"source" is required' });
    const started = await fetch(url, { method: 'POST', body: JSON.stringify({ db: repo, source: 'feature' }), headers });
    expect(started.status).toBe(409);
    expect(await (await fetch(`${url}s?db=${repo}`)).json()).toMatchObject({ merges: [{ target: 'main', source: 'feature', conflicts: 1, unresolved: 1, startedBy: 'http' }] });
    expect(await started.json()).toMatchObject({ inProgress: true, conflicts: [{ key: 'table:public.n', kind: 'add/add' }] });
    const resolved = await fetch(`${url}/resolve`, { method: 'POST', body: JSON.stringify({ db: repo, key: 'table:public.n', take: 'theirs' }), headers });
    expect(await resolved.json()).toMatchObject({ conflicts: [{ resolution: { take: 'theirs' } }], plan: [expect.objectContaining({ sql: 'ALTER TABLE public.n ALTER COLUMN a TYPE text USING a::text;' })] });
    expect((await fetch(`${url}/resolve`, { method: 'POST', body: JSON.stringify({ db: repo, key: 'table:public.nope', take: 'theirs' }), headers })).status).toBe(404);
    expect(await (await fetch(`${url}s?db=${repo}`)).json()).toMatchObject({ merges: [{ conflicts: 1, unresolved: 0 }] });
    expect((await (await fetch(`${url}?db=${repo}`)).json()) as { conflicts: unknown[] }).toMatchObject({ conflicts: [{ key: 'table:public.n' }] });
    expect((await fetch(`${url}/abort`, { method: 'POST', body: JSON.stringify({ db: repo }), headers })).status).toBe(200);
    expect(await storeState(repo)).toMatchObject({ merges: 0 });
  }, 120_000);

  it('an index that one side adds on a column the other side drops is a dangling reference', async () => {
    const repo = await repository({ name: 'column', base: T, ours: 'ALTER TABLE t DROP COLUMN b;', theirs: 'CREATE INDEX t_b_idx ON t (b);' });
    const result = await mergeBranches(context, { repository: repo, source: 'feature', dryRun: true });
    expect(result.conflicts.map((c) => [c.key, c.kind])).toEqual([['index:public.t_b_idx', 'dangling-reference']]);
  }, 60_000);
});

describe('pggit merge: rows, fast-forward, both directions', () => {
  it('keeps the rows of branches created --with-data, merging into main and back', async () => {
    const repo = await repository({ name: 'data', base: 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, g::text FROM generate_series(1, 1000) g;', ours: '', theirs: '' }, { withData: true });
    const main = await through(repo);
    const feature = await through(`${repo}@feature`);
    await feature.query(`ALTER TABLE items ADD COLUMN price numeric DEFAULT 0; UPDATE items SET price = id WHERE id <= 10`);
    await main.query(`INSERT INTO items VALUES (1001, 'main only')`);
    await recorder.idle();
    const into = await mergeBranches(context, { repository: repo, source: 'feature' });
    expect(into.fastForward).toBe(true);
    expect(into.plan.map((s) => s.sql)).toEqual(['ALTER TABLE public.items ADD COLUMN price numeric DEFAULT 0;']);
    expect((await main.query(`SELECT count(*)::int AS n, sum(price)::int AS p FROM items`)).rows[0]).toEqual({ n: 1001, p: 0 });

    await main.query(`CREATE INDEX items_name_idx ON items (name); ALTER TABLE items ADD COLUMN note text`);
    await recorder.idle();
    const back = await mergeBranches(context, { repository: repo, source: 'main', target: 'feature' });
    expect(back.applied).toBe(true);
    expect((await feature.query(`SELECT count(*)::int AS n, sum(price)::int AS p FROM items`)).rows[0]).toEqual({ n: 1000, p: 55 });
    expect(await schemaOf(`${repo}@feature`)).toEqual(await schemaOf(repo));
    const commit = await store.pool.query('SELECT kind, cardinality(parents) AS n FROM pggit.commits WHERE id = $1', [await headOf(repo, 'feature')]);
    expect(commit.rows[0]).toEqual({ kind: 'merge', n: 2 });
    // Each side now has the other: the next merge either way is a no-op.
    expect((await mergeBranches(context, { repository: repo, source: 'feature' })).plan).toEqual([]);
  }, 120_000);

  it('refuses a plan that deletes data without --force, saying how many rows', async () => {
    const repo = await repository({ name: 'drop', base: 'CREATE TABLE gone (id int); INSERT INTO gone VALUES (1), (2);', ours: '', theirs: 'DROP TABLE gone;' });
    await expect(mergeBranches(context, { repository: repo, source: 'feature' })).rejects.toThrow(/drops table public\.gone and its data \(2 rows\)[\s\S]*/);
    const forced = await cli(['merge', 'feature', '--db', repo, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('fast-forward');
    expect(forced.stdout).toMatch(/recorded merge commit [0-9a-f]{12}/);
  }, 120_000);
});
