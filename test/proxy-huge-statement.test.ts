// Statements far longer than the DDL watcher reads (PostgreSQL takes up to
// 1 GB) go through the proxy with its defaults unchanged, and the schema
// changes in them are still recorded: the part before the cut as observed
// DDL, what lies past it by a full catalog read.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connectStore, defaultStoreUrl, type HistoryStore } from '../src/store/index.js';
import { startTestProxy, upstreamUrl, type DefaultTestProxy } from './harness/proxy.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

const MB = 1024 * 1024;
let proxy: DefaultTestProxy;
let app: ScratchDatabase;
let store: HistoryStore;
let client: pg.Client;

beforeAll(async () => {
  [proxy, app] = await Promise.all([startTestProxy(), createScratchDatabase('huge')]);
  store = connectStore({ url: defaultStoreUrl(upstreamUrl()) });
  client = new pg.Client({ connectionString: proxy.url({ database: app.name }), application_name: 'huge-test' });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await proxy?.stop();
  await store?.pool.end();
  await app?.drop();
});

async function commits(): Promise<Array<{ kind: string; author: string | null; statements: string[]; keys: string[] }>> {
  const { rows } = await store.pool.query(
    `SELECT c.kind, c.author, c.statements, array(SELECT key FROM pggit.changes ch WHERE ch.commit_id = c.id ORDER BY key) AS keys
       FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq`,
    [app.name],
  );
  return rows;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

describe('a statement longer than the watcher reads', () => {
  it('forwards a 100 MB Query unchanged and records the DDL in it, with who ran it', async () => {
    const payload = 'x'.repeat(100 * MB);
    await client.query(`CREATE TABLE huge_rows (a text); INSERT INTO huge_rows VALUES ('${payload}')`);
    const { rows } = await client.query('SELECT length(a) AS length, md5(a) AS md5 FROM huge_rows');
    expect(rows).toEqual([{ length: payload.length, md5: md5(payload) }]);
    await proxy.serving.recorder!.idle();
    const observed = (await commits()).filter((commit) => commit.kind === 'observed');
    expect(observed).toEqual([expect.objectContaining({ author: 'postgres', statements: ['CREATE TABLE huge_rows (a text)'] })]);
    expect(observed[0]!.keys).toContain('table:public.huge_rows');
  });

  it('records DDL that comes after the cut in the same Query', async () => {
    const payload = 'y'.repeat(20 * MB);
    await client.query(`INSERT INTO huge_rows VALUES ('${payload}'); CREATE TABLE after_the_cut (id int)`);
    await proxy.serving.recorder!.idle();
    const history = await commits();
    expect(history.flatMap((commit) => commit.keys)).toContain('table:public.after_the_cut');
    // The session goes on as usual.
    expect((await client.query('SELECT count(*)::int AS n FROM huge_rows')).rows[0].n).toBe(2);
  });

  it('forwards a Parse longer than the watcher reads and records the function it creates', async () => {
    const body = 'z'.repeat(20 * MB);
    await client.query({ text: `CREATE FUNCTION huge_function() RETURNS int LANGUAGE sql AS $$ SELECT length('${body}') $$`, name: 'huge_function_definition' });
    expect((await client.query('SELECT huge_function() AS n')).rows[0].n).toBe(body.length);
    await proxy.serving.recorder!.idle();
    const last = (await commits()).at(-1)!;
    expect(last).toMatchObject({ kind: 'observed', author: 'postgres' });
    expect(last.keys.some((key) => key.startsWith('function:public.huge_function'))).toBe(true);
  });
});
