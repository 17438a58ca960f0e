// The fidelity bar of the catalog snapshot: for every script of the corpus,
// the schema read from a database that ran it, rendered and replayed into an
// empty database, gives the same pg_dump --schema-only (privileges and
// owners included) and the same snapshot again;
// and a scoped read of any object's name agrees with the full read.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import {
  coveredBy, decodeObject, diffObjects, encodeObject, readCatalog, readScope, renderSchema, scopeNameFor, type SchemaObject,
} from '../src/history/catalog/index.js';
import { createScratchDatabase, dumpBlocks, dumpRefusalReason, dumpSchema, type ScratchDatabase } from './harness/scratch-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'schemas');
const scripts = readdirSync(FIXTURES).filter((file) => file.endsWith('.sql')).sort();

let available = new Set<string>();
let icu = false;
/** Why pg_dump cannot dump this server, if it cannot. */
let dumpRefusal: string | undefined;

beforeAll(async () => {
  const client = new pg.Client({ connectionString: inject('pgUrl') });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM pg_available_extensions');
    available = new Set(rows.map((row) => row.name));
    icu = (await client.query("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1")).rowCount === 1;
    dumpRefusal = await dumpRefusalReason(client);
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
    const text = readFileSync(join(FIXTURES, script), 'utf8');
    let replayed: Promise<Replayed> | undefined;
    /** The script run, read, rendered and replayed once for both checks. */
    const replay = (): Promise<Replayed> => (replayed ??= replayScript(script));
    const skipUnsupported = (context: TestContext): void => {
      const missing = [...text.matchAll(/^-- requires extension: (\S+)$/gm)].map((m) => m[1]!).filter((name) => !available.has(name));
      if (missing.length > 0) context.skip(`server lacks extension ${missing.join(', ')}`);
      if (/^-- requires icu$/m.test(text) && !icu) context.skip('server built without ICU');
    };

    afterAll(async () => {
      const done = await replayed?.catch(() => undefined);
      await Promise.all([done?.original.drop(), done?.replay.drop()]);
    });

    it('replays to the same snapshot, and scoped reads agree with the full read', async (context) => {
      skipUnsupported(context);
      const { original, replay: copy, objects, rendered } = await replay();
      // What a store keeps (key -> encoded text) renders the same script.
      expect(renderSchema(objects.map((object) => decodeObject(object.key, encodeObject(object))))).toBe(rendered);
      const again = await readCatalog(await copy.connect());
      const diff = diffObjects(objects, again);
      expect({
        added: diff.added.map((o) => o.key),
        removed: diff.removed.map((o) => o.key),
        changed: diff.changed.map(({ before, after }) => ({ key: before.key, before: before.definition, after: after.definition, beforeDeps: before.dependsOn, afterDeps: after.dependsOn })),
      }).toEqual({ added: [], removed: [], changed: [] });
      expect(renderSchema(again)).toBe(rendered);
      await expectScopedReadsAgree(await original.connect(), objects);
    });

    it('replays to the same pg_dump', async (context) => {
      skipUnsupported(context);
      // pg_dump refuses a server newer than itself (Debian 12 ships pg_dump 15 only).
      if (dumpRefusal) context.skip(dumpRefusal);
      const { original, replay: copy } = await replay();
      const [left, right] = await Promise.all([dumpSchema(original.url, { owners: true }), dumpSchema(copy.url, { owners: true })]);
      expect(dumpBlocks(right)).toEqual(dumpBlocks(left));
    });
  });
});

interface Replayed {
  readonly original: ScratchDatabase;
  readonly replay: ScratchDatabase;
  readonly objects: SchemaObject[];
  readonly rendered: string;
}

async function replayScript(script: string): Promise<Replayed> {
  const [original, replay] = await Promise.all([createScratchDatabase('fid_orig'), createScratchDatabase('fid_copy')]);
  await original.runFile(join(FIXTURES, script));
  const objects = await readCatalog(await original.connect());
  const rendered = renderSchema(objects);
  await replay.runSql(rendered);
  return { original, replay, objects, rendered };
}
