// A scoped read racing a concurrent DROP: the read's snapshot still lists an
// index (or view) that another transaction dropped and committed before
// pg_get_indexdef (pg_get_viewdef) looked it up. The read must be done
// again in a new snapshot, never fail: it is what a commit is recorded from.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog, readScope } from '../src/history/catalog/index.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

let db: ScratchDatabase;

beforeAll(async () => {
  db = await createScratchDatabase('cat_race');
  await db.runSql(`
    CREATE TABLE public.tags (id integer PRIMARY KEY, label text);
    CREATE INDEX tags_label_idx ON public.tags (label);
    CREATE TABLE public.items (id integer PRIMARY KEY, name text);
    CREATE VIEW public.item_names AS SELECT name FROM public.items;`);
});

afterAll(async () => {
  await db.drop();
});

/**
 * The reader's connection, which runs `interleave` on another connection
 * (committed) just before the first query whose text contains `marker`:
 * the catalog read has taken its snapshot by then.
 */
async function otherConnection(): Promise<pg.Client> {
  const other = await db.connect();
  // A DROP that waited on the reader's locks would hang the test: fail instead.
  await other.query("SET lock_timeout = '20s'");
  return other;
}

function racing(reader: pg.Client, marker: string, interleave: () => Promise<void>): { client: pg.ClientBase; raced: () => boolean } {
  let raced = false;
  const query = reader.query.bind(reader) as (config: unknown, values?: unknown) => Promise<unknown>;
  const client = Object.create(reader) as pg.Client;
  client.query = (async (config: unknown, values?: unknown) => {
    const text = typeof config === 'string' ? config : (config as { text: string }).text;
    if (!raced && text.includes(marker)) {
      raced = true;
      await interleave();
    }
    return query(config, values);
  }) as pg.Client['query'];
  return { client, raced: () => raced };
}

describe('a catalog read racing a concurrent DROP', () => {
  it('reads again when an index it listed is dropped before pg_get_indexdef', async () => {
    const other = await otherConnection();
    const { client, raced } = racing(await db.connect(), 'pg_get_indexdef', async () => {
      await other.query('DROP INDEX public.tags_label_idx');
    });
    const read = await readScope(client, { names: [{ schema: 'public', name: 'tags' }] });
    expect(raced()).toBe(true);
    expect(read.objects.map((object) => object.key)).toEqual(['constraint:public.tags.tags_pkey', 'table:public.tags']);
  });

  it('reads again when a view it listed is dropped before pg_get_viewdef', async () => {
    const other = await otherConnection();
    const { client, raced } = racing(await db.connect(), 'pg_get_viewdef', async () => {
      await other.query('DROP VIEW public.item_names');
    });
    const objects = await readCatalog(client);
    expect(raced()).toBe(true);
    expect(objects.map((object) => object.key)).not.toContain('view:public.item_names');
    expect(objects.map((object) => object.key)).toContain('table:public.items');
  });
});
