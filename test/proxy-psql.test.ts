// The psql binary through the proxy: a script with \copy, \gset, errors and
// a transaction prints exactly what it prints when run against the server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestProxy, upstreamUrl, type TestProxy } from './harness/proxy.js';
import { psqlPath } from './harness/psql.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/psql-session.sql', import.meta.url));

async function psql(url: string, database: string): Promise<{ stdout: string; stderr: string }> {
  const target = new URL(url);
  target.pathname = `/${database}`;
  try {
    const { stdout, stderr } = await run(psqlPath(), ['-X', '-f', script, target.toString()], { env: { ...process.env, PGAPPNAME: 'psql-test' } });
    return { stdout, stderr };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string };
    return { stdout: failed.stdout, stderr: failed.stderr };
  }
}

let proxy: TestProxy;
const databases = ['psql_direct', 'psql_proxied'];

beforeAll(async () => {
  proxy = await startTestProxy();
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  for (const db of databases) {
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.query(`CREATE DATABASE ${db}`);
  }
  await admin.end();
});

afterAll(async () => {
  await proxy.stop();
});

describe('psql through the proxy', () => {
  it('prints the same output and errors as against the server directly', async () => {
    const direct = await psql(upstreamUrl(), 'psql_direct');
    const proxied = await psql(proxy.url(), 'psql_proxied');
    expect(direct.stdout).toContain('loaded 3 rows, top id 3');
    expect(direct.stderr).toContain('relation "no_such_table" does not exist');
    expect(direct.stderr).toContain('division by zero');
    expect(direct.stdout).toMatch(/1\tONE\n2\tTWO\n3\tthree\n/);
    const normalise = (text: string): string => text.replaceAll('psql_direct', 'DB').replaceAll('psql_proxied', 'DB');
    expect(normalise(proxied.stdout)).toBe(normalise(direct.stdout));
    expect(normalise(proxied.stderr)).toBe(normalise(direct.stderr));
  });
});
