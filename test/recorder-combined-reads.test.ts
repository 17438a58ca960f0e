// Commits of one database waiting at the same moment are read together
// (observed-read.ts): each gets exactly what a read of its own would have
// found in that snapshot, and commits whose objects are related fall back to
// reads of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { loadParser, schemaChangesIn, type ChangeSet } from '../src/ddl/index.js';
import { CatalogPools, ObservedReader, readScope, type ObservedRead } from '../src/history/index.js';
import { upstreamUrl } from './harness/proxy.js';
import { freshDatabases } from './harness/history-check.js';
import { urlFor } from './harness/recorded-history.js';

const APP = 'rec_combined';
let pools: CatalogPools;
let admin: pg.Client;

function changeSet(sql: string): ChangeSet {
  const session = { user: 'postgres', database: APP, applicationName: 'test', clientAddress: '127.0.0.1' };
  return { session, statements: schemaChangesIn(sql), committedAt: new Date(), mayContainUnseenDdl: false };
}

/** What a read of its own finds now (nothing changed since the reader's reads). */
async function readAlone(read: ObservedRead | undefined): Promise<unknown> {
  if (!read || !('scope' in read)) throw new Error('expected a scoped read');
  const client = await pools.pool(APP).connect();
  try {
    return await readScope(client, read.scope);
  } finally {
    client.release();
  }
}

/** Commits the statements, then hands all of them to the reader in one tick, as sessions waiting at once. */
async function commitAndRead(reader: ObservedReader, statements: readonly string[]): Promise<Array<ObservedRead | undefined>> {
  for (const sql of statements) await admin.query(sql);
  return Promise.all(statements.map((sql) => reader.read(APP, changeSet(sql), [])));
}

beforeAll(async () => {
  await loadParser();
  await freshDatabases([APP], [APP]);
  admin = new pg.Client({ connectionString: urlFor(APP) });
  await admin.connect();
  for (let i = 1; i <= 8; i++) await admin.query(`CREATE TABLE t${i} (id int PRIMARY KEY, name text)`);
  await admin.query('CREATE TABLE parent (id int PRIMARY KEY)');
  await admin.query('CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent)');
  await admin.query('CREATE VIEW t8_names AS SELECT name FROM t8');
  pools = new CatalogPools(upstreamUrl());
});

afterAll(async () => {
  await admin?.end();
  await pools?.end();
});

describe('commits waiting at the same moment', () => {
  it('are read in one snapshot, each exactly as a read of its own finds it', async () => {
    const reader = new ObservedReader(pools, pino({ level: 'silent' }));
    const statements = [
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => `ALTER TABLE t${i} ADD COLUMN extra int`),
      'ALTER TABLE t8 ADD COLUMN extra int',
      'DROP TABLE t7',
      'CREATE TABLE t9 (id int PRIMARY KEY)',
    ];
    const reads = await commitAndRead(reader, statements);
    // Two reads start at once; the commits that arrive meanwhile are read together.
    expect(reader.combined.reads).toBeGreaterThanOrEqual(1);
    expect(reader.combined.commits).toBeGreaterThanOrEqual(statements.length - 2);
    for (const read of reads) expect(read && 'scope' in read ? read.scoped : undefined).toEqual(await readAlone(read));
    const keysOf = (read: ObservedRead | undefined): string[] => (read && 'scoped' in read ? read.scoped.objects.map((o) => o.key) : []);
    expect(keysOf(reads[0])).toEqual(['constraint:public.t1.t1_pkey', 'table:public.t1']);
    expect(keysOf(reads[7])).toContain('view:public.t8_names');
    expect(keysOf(reads[8])).toEqual([]);
    expect(keysOf(reads[9])).toEqual(['constraint:public.t9.t9_pkey', 'table:public.t9']);
  });

  it('fall back to reads of their own when two of them reach related objects', async () => {
    const reader = new ObservedReader(pools, pino({ level: 'silent' }));
    const reads = await commitAndRead(reader, [
      'ALTER TABLE t1 ADD COLUMN more int',
      'ALTER TABLE t2 ADD COLUMN more int',
      'ALTER TABLE parent ADD COLUMN more int',
      'ALTER TABLE child ADD COLUMN more int',
    ]);
    expect(reader.combined).toEqual({ reads: 0, commits: 0 });
    for (const read of reads) expect(read && 'scope' in read ? read.scoped : undefined).toEqual(await readAlone(read));
    const child = reads[3] && 'scoped' in reads[3] ? reads[3].scoped.objects.map((o) => o.key) : [];
    expect(child).toContain('constraint:public.child.child_parent_id_fkey');
  });
});
