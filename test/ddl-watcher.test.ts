// The DDL watcher in the data path: real clients through the proxy, and the
// exact change sets that come out for each way of committing (or not).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import type { ChangeSet } from '../src/ddl/index.js';
import { startWiredProxy, type TestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';

const DB = 'ddl_watcher';
let proxy: TestProxy;
let changeSets: ChangeSet[] = [];
let client: pg.Client;

const texts = (): string[][] => changeSets.map((cs) => cs.statements.map((s) => s.text.trim()));

beforeAll(async () => {
  proxy = await startWiredProxy({ onChangeSet: (cs) => void changeSets.push(cs) });
  const admin = new pg.Client({ connectionString: proxy.url() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  client = new pg.Client({ connectionString: proxy.url({ database: DB }), application_name: 'watcher-test' });
  await client.connect();
});

beforeEach(() => {
  changeSets = [];
});

afterAll(async () => {
  await client.end();
  await proxy.stop();
});

describe('DDL watcher through the proxy', () => {
  it('records an autocommitted CREATE TABLE with who ran it', async () => {
    await client.query('CREATE TABLE w_users (id int)');
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    expect(texts()).toEqual([['CREATE TABLE w_users (id int)']]);
    expect(changeSets[0]!.session).toMatchObject({
      user: 'postgres',
      database: DB,
      applicationName: 'watcher-test',
      clientAddress: '127.0.0.1',
      backendPid: pid,
    });
    expect(changeSets[0]!.statements[0]).toMatchObject({ kind: 'CREATE TABLE', objects: [{ name: 'w_users' }] });
  });

  it('records nothing for DDL that is rolled back', async () => {
    await client.query('BEGIN');
    await client.query('CREATE TABLE w_never (id int)');
    await client.query('ROLLBACK');
    expect(changeSets).toEqual([]);
  });

  it('keeps only the DDL before a savepoint that was rolled back to', async () => {
    await client.query('BEGIN');
    await client.query('CREATE TABLE w_kept (id int)');
    await client.query('SAVEPOINT s1');
    await client.query('CREATE TABLE w_dropped (id int)');
    await client.query('ROLLBACK TO SAVEPOINT s1');
    await client.query('COMMIT');
    expect(texts()).toEqual([['CREATE TABLE w_kept (id int)']]);
  });

  it('makes one change set of a multi-statement simple query', async () => {
    await client.query('CREATE TABLE w_a(); CREATE TABLE w_b()');
    expect(texts()).toEqual([['CREATE TABLE w_a()', 'CREATE TABLE w_b()']]);
  });

  it('records nothing when a statement of an implicit transaction fails', async () => {
    await expect(client.query('CREATE TABLE w_fail(); SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    expect(changeSets).toEqual([]);
  });

  it('records nothing for COMMIT of a failed transaction', async () => {
    await client.query('BEGIN');
    await client.query('CREATE TABLE w_aborted (id int)');
    await client.query('SELECT 1/0').catch(() => undefined);
    await client.query('COMMIT');
    expect(changeSets).toEqual([]);
  });

  it('gives two interleaved sessions their own change sets', async () => {
    const other = new pg.Client({ connectionString: proxy.url({ database: DB }), application_name: 'watcher-other' });
    await other.connect();
    await client.query('BEGIN');
    await other.query('BEGIN');
    await client.query('CREATE TABLE w_mine (id int)');
    await other.query('CREATE TABLE w_theirs (id int)');
    await other.query('COMMIT');
    await client.query('COMMIT');
    await other.end();
    expect(changeSets.map((cs) => [cs.session.applicationName, cs.statements.map((s) => s.text)])).toEqual([
      ['watcher-other', ['CREATE TABLE w_theirs (id int)']],
      ['watcher-test', ['CREATE TABLE w_mine (id int)']],
    ]);
  });

  it('sees DDL sent with the extended protocol by node-postgres', async () => {
    await client.query({ name: 'make-table', text: 'CREATE TABLE w_extended (id int)' });
    await client.query({ text: 'ALTER TABLE w_extended ADD COLUMN note text', values: [] });
    expect(texts()).toEqual([['CREATE TABLE w_extended (id int)'], ['ALTER TABLE w_extended ADD COLUMN note text']]);
  });

  it('sees pipelined DDL from postgres.js, one change set per implicit transaction', async () => {
    const sql = postgres(proxy.url({ database: DB }), { max: 1, onnotice: () => undefined });
    await Promise.all([sql`CREATE TABLE w_p1 (id int)`, sql`CREATE TABLE w_p2 (id int)`, sql`SELECT 1`]);
    await sql.begin(async (tx) => {
      await tx`CREATE TABLE w_p3 (id int)`;
      await tx`CREATE INDEX w_p3_id ON w_p3 (id)`;
    });
    await sql.end();
    expect(texts()).toEqual([
      ['CREATE TABLE w_p1 (id int)'],
      ['CREATE TABLE w_p2 (id int)'],
      ['CREATE TABLE w_p3 (id int)', 'CREATE INDEX w_p3_id ON w_p3 (id)'],
    ]);
  });

  it('follows a psql script with ON_ERROR_STOP up to the failing statement', async () => {
    const script = [
      '\\set ON_ERROR_STOP 1',
      'CREATE TABLE w_psql1 (id int);',
      'BEGIN;',
      'ALTER TABLE w_psql1 ADD COLUMN a int;',
      'COMMIT;',
      'CREATE TABLE w_psql1 (id int);',
      'CREATE TABLE w_psql_never (id int);',
    ].join('\n');
    const file = join(await mkdtemp(join(tmpdir(), 'pggit-psql-')), 'script.sql');
    await writeFile(file, script);
    const run = await psql(proxy.url({ database: DB }), ['-f', file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('relation "w_psql1" already exists');
    expect(texts()).toEqual([['CREATE TABLE w_psql1 (id int)'], ['ALTER TABLE w_psql1 ADD COLUMN a int']]);
  });

  it('holds a prepared transaction until COMMIT PREPARED from another session', async () => {
    await client.query('BEGIN');
    await client.query('CREATE TABLE w_2pc (id int)');
    await client.query("PREPARE TRANSACTION 'w_gid'");
    expect(changeSets).toEqual([]);
    const other = new pg.Client({ connectionString: proxy.url({ database: DB }), application_name: 'watcher-2pc' });
    await other.connect();
    await other.query("COMMIT PREPARED 'w_gid'");
    await other.end();
    expect(texts()).toEqual([['CREATE TABLE w_2pc (id int)']]);
    expect(changeSets[0]).toMatchObject({ preparedGid: 'w_gid', session: { applicationName: 'watcher-test' } });
  });

  it('records nothing for ROLLBACK PREPARED', async () => {
    await client.query('BEGIN');
    await client.query('CREATE TABLE w_2pc_no (id int)');
    await client.query("PREPARE TRANSACTION 'w_gid_no'");
    await client.query("ROLLBACK PREPARED 'w_gid_no'");
    expect(changeSets).toEqual([]);
  });

  it('records CREATE INDEX CONCURRENTLY, which commits on its own', async () => {
    await client.query('CREATE INDEX CONCURRENTLY w_users_id ON w_users (id)');
    expect(texts()).toEqual([['CREATE INDEX CONCURRENTLY w_users_id ON w_users (id)']]);
    expect(changeSets[0]!.statements[0]!.concurrently).toBe(true);
  });

  it('marks a transaction that ran a DO block as possibly hiding DDL', async () => {
    await client.query("DO $$ BEGIN EXECUTE 'CREATE TABLE w_hidden (id int)'; END $$");
    expect(changeSets).toHaveLength(1);
    expect(changeSets[0]).toMatchObject({ mayContainUnseenDdl: true, statements: [] });
  });

  it('ignores data changes, temp tables and session settings', async () => {
    await client.query('INSERT INTO w_users VALUES (1)');
    await client.query('CREATE TEMP TABLE w_temp (id int)');
    await client.query("SET search_path = public");
    await client.query('VACUUM w_users');
    expect(changeSets).toEqual([]);
  });
});
