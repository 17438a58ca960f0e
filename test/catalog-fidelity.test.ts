// The fidelity bar of the catalog snapshot: for every script of the corpus,
// the schema read from a database that ran it, rendered and replayed into an
// empty database, gives the same pg_dump --schema-only (privileges included;
// ownership is not recorded, so --no-owner) and the same snapshot again.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { diffObjects, readCatalog, renderSchema } from '../src/history/catalog/index.js';
import { createScratchDatabase, dumpBlocks, dumpSchema } from './harness/scratch-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'schemas');
const scripts = readdirSync(FIXTURES).filter((file) => file.endsWith('.sql')).sort();

let available = new Set<string>();

beforeAll(async () => {
  const client = new pg.Client({ connectionString: inject('pgUrl') });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_available_extensions');
    available = new Set(rows.map((row) => row.name));
  } finally {
    await client.end();
  }
});

describe('catalog fidelity corpus', () => {
  it('holds at least 15 realistic schema scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(15);
  });

  describe.concurrent.each(scripts)('%s', (script) => {
    it('replays to the same pg_dump and the same snapshot', async (context) => {
      const text = readFileSync(join(FIXTURES, script), 'utf8');
      const missing = [...text.matchAll(/^-- requires extension: (\S+)$/gm)].map((m) => m[1]!).filter((name) => !available.has(name));
      if (missing.length > 0) context.skip(`server lacks extension ${missing.join(', ')}`);
      const original = await createScratchDatabase('fid_orig');
      const replay = await createScratchDatabase('fid_copy');
      try {
        await original.runFile(join(FIXTURES, script));
        const objects = await readCatalog(await original.connect());
        const rendered = renderSchema(objects);
        await replay.runSql(rendered);
        const again = await readCatalog(await replay.connect());

        const diff = diffObjects(objects, again);
        expect({
          added: diff.added.map((o) => o.key),
          removed: diff.removed.map((o) => o.key),
          changed: diff.changed.map(({ before, after }) => ({ key: before.key, before: before.definition, after: after.definition, beforeDeps: before.dependsOn, afterDeps: after.dependsOn })),
        }).toEqual({ added: [], removed: [], changed: [] });
        expect(renderSchema(again)).toBe(rendered);

        const [left, right] = await Promise.all([dumpSchema(original.url), dumpSchema(replay.url)]);
        expect(dumpBlocks(right)).toEqual(dumpBlocks(left));
      } finally {
        await Promise.all([original.drop(), replay.drop()]);
      }
    });
  });
});
