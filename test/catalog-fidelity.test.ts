// The fidelity bar of the catalog snapshot: for every script of the corpus,
// the schema read from a database that ran it, rendered and replayed into an
// empty database, gives the same pg_dump --schema-only (privileges and
// owners included) and the same snapshot again;
// and a scoped read of any object's name agrees with the full read.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  coveredBy, decodeObject, diffObjects, encodeObject, readCatalog, readScope, renderSchema, scopeNameFor, type SchemaObject,
} from '../src/history/catalog/index.js';
import { createScratchDatabase, dumpBlocks, dumpSchema } from './harness/scratch-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'schemas');
const scripts = readdirSync(FIXTURES).filter((file) => file.endsWith('.sql')).sort();

let available = new Set<string>();
let icu = false;

beforeAll(async () => {
  const client = new pg.Client({ connectionString: inject('pgUrl') });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_available_extensions');
    available = new Set(rows.map((row) => row.name));
    icu = (await client.query("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1")).rowCount === 1;
  } finally {
    await client.end();
  }
});

/**
 * What the recorder relies on: reading one object's name (a table, a type, a
 * function, ...) returns that object and what depends on them exactly as the
 * full read does, and covers every key under that name.
 */
async function expectScopedReadsAgree(client: pg.Client, objects: readonly SchemaObject[]): Promise<void> {
  const full = new Map(objects.map((object) => [object.key, object]));
  const names = new Map(objects.map((object) => [JSON.stringify(scopeNameFor(object.key)), scopeNameFor(object.key)]));
  for (const name of names.values()) {
    const read = await readScope(client, { names: [name] });
    const returned = new Map(read.objects.map((object) => [object.key, object]));
    for (const object of read.objects) expect(object, `scoped read of ${JSON.stringify(name)}`).toEqual(full.get(object.key));
    for (const object of objects) {
      if (JSON.stringify(scopeNameFor(object.key)) !== JSON.stringify(name)) continue;
      expect(coveredBy(read, object.key), `${object.key} covered by ${JSON.stringify(name)}`).toBe(true);
      expect(returned.has(object.key), `${object.key} returned for ${JSON.stringify(name)}`).toBe(true);
    }
  }
}

describe('catalog fidelity corpus', () => {
  it('holds at least 15 realistic schema scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(15);
  });

  describe.concurrent.each(scripts)('%s', (script) => {
    it('replays to the same pg_dump and the same snapshot', async (context) => {
      const text = readFileSync(join(FIXTURES, script), 'utf8');
      const missing = [...text.matchAll(/^-- requires extension: (\S+)$/gm)].map((m) => m[1]!).filter((name) => !available.has(name));
      if (missing.length > 0) context.skip(`server lacks extension ${missing.join(', ')}`);
      if (/^-- requires icu$/m.test(text) && !icu) context.skip('server built without ICU');
      const original = await createScratchDatabase('fid_orig');
      const replay = await createScratchDatabase('fid_copy');
      try {
        await original.runFile(join(FIXTURES, script));
        const objects = await readCatalog(await original.connect());
        const rendered = renderSchema(objects);
        // What a store keeps (key -> encoded text) renders the same script.
        expect(renderSchema(objects.map((object) => decodeObject(object.key, encodeObject(object))))).toBe(rendered);
        await replay.runSql(rendered);
        const again = await readCatalog(await replay.connect());

        const diff = diffObjects(objects, again);
        expect({
          added: diff.added.map((o) => o.key),
          removed: diff.removed.map((o) => o.key),
          changed: diff.changed.map(({ before, after }) => ({ key: before.key, before: before.definition, after: after.definition, beforeDeps: before.dependsOn, afterDeps: after.dependsOn })),
        }).toEqual({ added: [], removed: [], changed: [] });
        expect(renderSchema(again)).toBe(rendered);

        const [left, right] = await Promise.all([dumpSchema(original.url, { owners: true }), dumpSchema(replay.url, { owners: true })]);
        expect(dumpBlocks(right)).toEqual(dumpBlocks(left));

        await expectScopedReadsAgree(await original.connect(), objects);
      } finally {
        await Promise.all([original.drop(), replay.drop()]);
      }
    });
  });
});
