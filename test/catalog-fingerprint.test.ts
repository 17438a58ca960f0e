// The catalog fingerprint that lets reconciliation skip a full read: it
// moves with every kind of schema change and stays put for data changes,
// VACUUM, ANALYZE and temporary tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { CatalogFingerprint } from '../src/history/fingerprint.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

let scratch: ScratchDatabase;
let client: pg.Client;
const fingerprint = new CatalogFingerprint();

beforeAll(async () => {
  scratch = await createScratchDatabase('fingerprint');
  client = await scratch.connect();
  await client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
});

afterAll(async () => {
  await scratch.drop();
});

describe('catalog fingerprint', () => {
  it('stays put for data changes, VACUUM, ANALYZE and temporary tables', async () => {
    const before = await fingerprint.read(client);
    await client.query("INSERT INTO t SELECT g, 'x' FROM generate_series(1, 100) g");
    await client.query('VACUUM t');
    await client.query('ANALYZE t');
    await client.query('CREATE TEMP TABLE scratch_rows (a int)');
    expect(await fingerprint.read(client)).toBe(before);
  });

  it.each([
    'ALTER TABLE t ADD COLUMN extra int',
    "COMMENT ON TABLE t IS 'hello'",
    'GRANT SELECT ON t TO PUBLIC',
    'CREATE INDEX t_v ON t (v)',
    'ALTER TABLE t ALTER COLUMN v SET DEFAULT 1',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'DROP TABLE t CASCADE',
  ])('moves with %s', async (ddl) => {
    const before = await fingerprint.read(client);
    await client.query(ddl);
    expect(await fingerprint.read(client)).not.toBe(before);
  });
});
