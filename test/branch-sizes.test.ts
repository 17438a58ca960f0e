// Size management through the real `pggit proxy` wiring (serve()): branch
// list shows each branch's size, open sessions, the last session through
// pggit, its parent and whether it is merged there, and flags branches over
// --branch-size-warn; the size metrics and the warning log (once per
// crossing); --max-branches through the library, HTTP and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import {
  BranchError,
  createBranch,
  createBranchWithinLimit,
  deleteBranch,
  listBranches,
  mergeBranches,
  parseSize,
  SizeWatch,
  type BranchContext,
  type BranchSize,
  type BranchSummary,
} from '../src/branch/index.js';
import { serve, type Serving } from '../src/cli/serve.js';
import { upstreamFromUrl } from '../src/proxy/index.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { eventually } from './harness/activity.js';
import { runCli } from './harness/cli.js';
import { freshDatabases } from './harness/history-check.js';
import { upstreamUrl } from './harness/proxy.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'sz_app';
const STORE = 'sz_store';
const TOKEN = 'sz-token';
let serving: Serving;
let store: HistoryStore;
let context: BranchContext;
let warnBytes: number;
const logLines: string[] = [];
const open: pg.Client[] = [];

const storeUrl = (): string => urlFor(STORE);

function user(): string {
  return decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
}

async function connect(database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: serving.proxy.port, user: user(), database });
  client.on('error', () => undefined);
  await client.connect();
  open.push(client);
  return client;
}

async function branch(name: string): Promise<BranchSummary> {
  const found = (await listBranches(context, APP, { sizeWarnBytes: warnBytes })).find((row) => row.name === name);
  if (!found) throw new Error(`no branch ${name}`);
  return found;
}

async function databaseSize(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: upstreamUrl() });
  await client.connect();
  try {
    return Number((await client.query('SELECT pg_database_size($1)::text AS size', [database])).rows[0].size);
  } finally {
    await client.end();
  }
}

function http(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${serving.http!.port}${path}`, init);
}

async function metricValue(name: string, labels: string): Promise<number | undefined> {
  const text = await (await http('/metrics')).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  await freshDatabases([`${APP}@feat`, `${APP}@big`, `${APP}@l1`, `${APP}@l2`, `${APP}@l3`, `${APP}@l4`, `${APP}@l5`, APP, STORE], [APP]);
  // The warning sits 3 MB above an empty database: main stays under it, a branch with 6 MB of rows goes over.
  warnBytes = (await databaseSize(APP)) + 3 * 1024 * 1024;
  serving = await serve({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamFromUrl(upstreamUrl()),
    upstreamUrl: upstreamUrl(),
    storeUrl: storeUrl(),
    reconcileIntervalMs: 60_000,
    http: { host: '127.0.0.1', port: 0 },
    metrics: true,
    maxApplications: 20,
    ddl: true,
    connectTimeoutMs: 10_000,
    logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
    apiToken: TOKEN,
    branchSizeWarnBytes: warnBytes,
    maxBranches: 4,
    sizeIntervalMs: 100,
  });
  store = connectStore({ url: storeUrl() });
  context = { store, upstreamUrl: upstreamUrl() };
  const main = await connect(APP);
  await main.query('CREATE TABLE users (id int PRIMARY KEY, name text)');
  await serving.recorder!.idle();
});

afterAll(async () => {
  await Promise.all(open.map((client) => client.end().catch(() => undefined)));
  await serving?.stop(0);
  await store?.pool.end();
});

describe('branch list', () => {
  it('shows a new branch with no session yet, merged into main (no commits of its own)', async () => {
    await createBranch(context, { repository: APP, name: 'feat' });
    const feat = await branch('feat');
    expect(feat).toMatchObject({ parent: 'main', merged: true, lastSessionAt: null, connections: 0, overSizeWarning: false });
    expect(feat.sizeBytes).toBe(await databaseSize(`${APP}@feat`));
    expect(await branch('main')).toMatchObject({ parent: null, merged: null, overSizeWarning: false });
  });

  it('records the last session through the proxy and shows the branch unmerged once it has commits of its own', async () => {
    const before = Date.now();
    const client = await connect(`${APP}@feat`);
    await client.query('CREATE TABLE feat_only (id int)');
    await serving.recorder!.idle();
    const seen = await eventually(() => branch('feat'), (row) => row.lastSessionAt !== null, 'the last session of feat in the store');
    // The store's clock and this process's may differ a little: a minute is the precision promised.
    expect(Math.abs(Date.parse(seen.lastSessionAt!) - before)).toBeLessThan(60_000);
    expect(seen).toMatchObject({ connections: 1, merged: false, parent: 'main' });
    await client.end();
  });

  it('shows the branch merged again after it is merged into main', async () => {
    const outcome = await mergeBranches(context, { repository: APP, source: 'feat' });
    expect(outcome).toMatchObject({ conflicts: [], inProgress: false });
    expect((await branch('feat')).merged).toBe(true);
  });

  it('flags a branch over --branch-size-warn in the list, the CLI and the log (once per crossing), and exports the sizes', async () => {
    await createBranch(context, { repository: APP, name: 'big' });
    const client = await connect(`${APP}@big`);
    await client.query(`CREATE TABLE filler AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 50000) g`);
    await serving.recorder!.idle();
    const big = await branch('big');
    expect(big.sizeBytes!).toBeGreaterThan(warnBytes);
    expect(big.overSizeWarning).toBe(true);
    expect((await branch('main')).overSizeWarning).toBe(false);

    const cli = await runCli(['branch', 'list', '--db', APP, '--store', storeUrl(), '--upstream', upstreamUrl(), '--branch-size-warn', String(warnBytes)]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^big\s.*MB !/m);
    expect(cli.stdout).toMatch(/^! over --branch-size-warn .*: big$/m);
    expect(cli.stdout).toMatch(/^BRANCH\s+HEAD\s+FROM\s+DATABASE\s+SIZE\s+SESSIONS\s+LAST SESSION\s+MERGED\s+CREATED$/m);

    // The proxy's own reading (every 100 ms here): the metric and one warning.
    const labels = `{database="${APP}",branch="big"}`;
    const exported = await eventually(() => metricValue('pggit_branch_size_bytes', labels), (value) => value !== undefined && value > warnBytes, 'big in pggit_branch_size_bytes');
    expect(exported).toBeGreaterThan(warnBytes);
    expect(await metricValue('pggit_store_size_bytes', '')).toBeGreaterThan(0);
    const warnings = (): string[] => logLines.filter((line) => line.includes('over --branch-size-warn') && line.includes('"branch":"big"'));
    await eventually(async () => warnings().length, (n) => n > 0, 'the size warning for big in the log');
    // Grow it further and wait until a later reading exported the new size: still one warning.
    await client.query(`INSERT INTO filler SELECT g, repeat('y', 100) FROM generate_series(1, 20000) g`);
    const grown = await databaseSize(`${APP}@big`);
    await eventually(() => metricValue('pggit_branch_size_bytes', labels), (value) => value !== undefined && value >= grown, 'the grown size of big exported');
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse(warnings()[0]!)).toMatchObject({ database: APP, branch: 'big', warnBytes });
    await client.end();
  });

  it('logs a crossing once and the return under the limit once (SizeWatch readings)', async () => {
    const lines: string[] = [];
    const readings: BranchSize[][] = [];
    const watch = new SizeWatch({
      context,
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      sink: { branchSizes: (sizes) => void readings.push([...sizes]), storeSize: () => undefined },
      warnBytes,
    });
    for (let i = 0; i < 3; i++) await watch.refresh();
    expect(readings).toHaveLength(3);
    expect(readings[2]!.find((row) => row.branch === 'big')!.bytes).toBeGreaterThan(warnBytes);
    const over = (): string[] => lines.filter((line) => line.includes('"branch":"big"') && line.includes('is over'));
    const under = (): string[] => lines.filter((line) => line.includes('"branch":"big"') && line.includes('back under'));
    expect(over()).toHaveLength(1);
    expect(under()).toHaveLength(0);
    const client = await connect(`${APP}@big`);
    await client.query('DROP TABLE filler');
    await client.end();
    await serving.recorder!.idle();
    await watch.refresh();
    await watch.refresh();
    expect(readings.at(-1)!.find((row) => row.branch === 'big')!.bytes).toBeLessThanOrEqual(warnBytes);
    expect(over()).toHaveLength(1);
    expect(under()).toHaveLength(1);
    await watch.stop();
  });
});

describe('--max-branches', () => {
  it('refuses a create beyond the limit with TOO_MANY_BRANCHES and SQLSTATE 53400, before building anything', async () => {
    const existing = (await listBranches(context, APP)).filter((row) => row.name !== 'main').length;
    const refused = await createBranchWithinLimit(context, { repository: APP, name: 'l1' }, existing).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BranchError);
    expect(refused).toMatchObject({ code: 'TOO_MANY_BRANCHES', sqlstate: '53400' });
    expect((refused as Error).message).toContain(`--max-branches is ${existing}`);
    expect((await listBranches(context, APP)).map((row) => row.name)).not.toContain('l1');
    expect(await databaseExists(`${APP}@l1`)).toBe(false);
  });

  it('lets exactly the limit through when creates race', async () => {
    const existing = (await listBranches(context, APP)).filter((row) => row.name !== 'main').length;
    const results = await Promise.allSettled(
      ['l2', 'l3', 'l4'].map((name) => createBranchWithinLimit(context, { repository: APP, name }, existing + 1)),
    );
    const made = results.filter((result) => result.status === 'fulfilled');
    const failed = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(made).toHaveLength(1);
    expect(failed).toHaveLength(2);
    for (const error of failed) expect(error).toMatchObject({ code: 'TOO_MANY_BRANCHES', sqlstate: '53400' });
    const names = (await listBranches(context, APP)).map((row) => row.name).filter((name) => ['l2', 'l3', 'l4'].includes(name));
    expect(names).toHaveLength(1);
    for (const name of ['l2', 'l3', 'l4'].filter((other) => !names.includes(other))) expect(await databaseExists(`${APP}@${name}`)).toBe(false);
    await deleteBranch(context, { repository: APP, name: names[0]! });
  });

  it('answers POST /api/branches beyond --max-branches with 409, the code and the SQLSTATE', async () => {
    // serve() was started with --max-branches 4: fill up to it, then one more.
    const post = (name: string): Promise<Response> =>
      http('/api/branches', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ db: APP, name }),
      });
    let existing = (await listBranches(context, APP)).filter((row) => row.name !== 'main').length;
    for (const name of ['l1', 'l2', 'l3', 'l4']) {
      if (existing >= 4) break;
      expect((await post(name)).status).toBe(201);
      existing += 1;
    }
    const refused = await post('l5');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'TOO_MANY_BRANCHES', sqlstate: '53400' });
  });

  it('refuses `pggit branch create` beyond PGGIT_MAX_BRANCHES with the SQLSTATE on stderr', async () => {
    const existing = (await listBranches(context, APP)).filter((row) => row.name !== 'main').length;
    const result = await runCli(['branch', 'create', 'l5', '--db', APP, '--store', storeUrl(), '--upstream', upstreamUrl()], { PGGIT_MAX_BRANCHES: String(existing) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(SQLSTATE 53400)');
    expect(result.stderr).toContain(`--max-branches is ${existing}`);
    const bad = await runCli(['branch', 'create', 'l5', '--db', APP, '--store', storeUrl(), '--upstream', upstreamUrl(), '--max-branches', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-branches must be a whole number');
  });
});

describe('sizes as PostgreSQL writes them', () => {
  it('parses sizes exactly as pg_size_bytes does, and refuses what it refuses', async () => {
    const client = new pg.Client({ connectionString: upstreamUrl() });
    await client.connect();
    try {
      for (const text of ['10GB', '10 GB', '512mb', '1.5 kB', '1e3', '  7 bytes ', '2TB', '1PB', '100']) {
        const server = Number((await client.query('SELECT pg_size_bytes($1)::text AS n', [text])).rows[0].n);
        expect(parseSize(text), text).toBe(server);
      }
      for (const text of ['10 GiB', 'lots', '', '5 XB']) {
        await expect(client.query('SELECT pg_size_bytes($1)', [text])).rejects.toMatchObject({ code: '22023' });
        expect(parseSize(text), text).toBeUndefined();
      }
    } finally {
      await client.end();
    }
  });
});

async function databaseExists(database: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: upstreamUrl() });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
  } finally {
    await client.end();
  }
}
