// Secrets never reach a log, the store, the state file or the HTTP
// endpoints: passwords in --upstream / --store URLs, and the passwords in
// recorded DDL (user mappings, subscriptions), which are stored masked.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually } from './harness/activity.js';
import { runCli } from './harness/cli.js';
import { startProxyProcess, type ProxyProcess } from './harness/proxy-process.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

const SECRETS = ['UrlSecret1', 'StoreSecret2', 'MappingSecret3', 'MappingSecret4', 'SubscriptionSecret5', 'RoleSecret6'];

let app: ScratchDatabase;
let storeName: string;
let stateDir: string;
let proxy: ProxyProcess;
let storeUrl: string;

function withPassword(url: string, password: string, database: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

beforeAll(async () => {
  app = await createScratchDatabase('secrets');
  storeName = `${app.name}_store`;
  stateDir = await mkdtemp(join(tmpdir(), 'pggit-secrets-state-'));
  storeUrl = withPassword(app.url, 'StoreSecret2', storeName);
  proxy = await startProxyProcess(['--upstream', withPassword(app.url, 'UrlSecret1', app.name), '--store', storeUrl], { PGGIT_STATE_DIR: stateDir });
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/${app.name}` });
  await client.connect();
  try {
    await client.query('CREATE FOREIGN DATA WRAPPER secrets_fdw');
    await client.query('CREATE SERVER secrets_server FOREIGN DATA WRAPPER secrets_fdw');
    await client.query("CREATE USER MAPPING FOR postgres SERVER secrets_server OPTIONS (user 'remote', password 'MappingSecret3')");
    await client.query("ALTER USER MAPPING FOR postgres SERVER secrets_server OPTIONS (SET password 'MappingSecret4')");
    await client.query(
      "CREATE SUBSCRIPTION secrets_sub CONNECTION 'host=127.0.0.1 dbname=none password=SubscriptionSecret5' PUBLICATION nothing WITH (connect = false)",
    );
    await client.query(`CREATE ROLE ${app.name}_role LOGIN PASSWORD 'RoleSecret6'`);
    await client.query('ALTER SUBSCRIPTION secrets_sub SET (slot_name = NONE)');
    await client.query('DROP SUBSCRIPTION secrets_sub');
    await client.query(`DROP ROLE ${app.name}_role`);
  } finally {
    await client.end();
  }
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await app?.drop();
  const admin = new pg.Client({ connectionString: withPassword(app.url, '', 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${storeName} WITH (FORCE)`).finally(() => admin.end());
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function storeText(): Promise<string> {
  const client = new pg.Client({ connectionString: withPassword(app.url, '', storeName) });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("SELECT format('pggit.%I', tablename) AS name FROM pg_tables WHERE schemaname = 'pggit'");
    let text = '';
    for (const { name } of rows) text += (await client.query<{ t: string }>(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM ${name} x`)).rows[0]!.t;
    return text;
  } finally {
    await client.end();
  }
}

describe('secrets', () => {
  it('records user mappings and subscriptions with their passwords masked', async () => {
    const text = await eventually(storeText, (t) => t.includes('DROP SUBSCRIPTION'), 'the subscription commits in the store', 30_000);
    expect(text).toContain("password '********'");
    expect(text).toContain('password=********');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('keeps every password out of the log, the state file, the HTTP endpoints and pggit status', async () => {
    const http = await Promise.all(['/metrics', '/healthz', '/readyz'].map(async (path) => (await fetch(`${proxy.http}${path}`)).text()));
    const stateFiles = await Promise.all((await readdir(stateDir)).map((file) => readFile(join(stateDir, file), 'utf8')));
    const status = await runCli(['status'], { PGGIT_STATE_DIR: stateDir });
    expect(stateFiles.join('')).toContain(storeName);
    expect(proxy.stderr()).toContain('USER MAPPING');
    for (const [where, text] of Object.entries({ log: proxy.stderr(), http: http.join('\n'), state: stateFiles.join('\n'), status: status.stdout + status.stderr })) {
      for (const secret of SECRETS) expect(text, `${secret} in ${where}`).not.toContain(secret);
    }
  });
});
