// The planner's proof: every script of the fidelity corpus is cut into
// steps (commits); for every ordered pair (A, B) of its states (the empty
// database included), `diff A B` run with psql -v ON_ERROR_STOP=1 on a
// database at A gives the same pg_dump --schema-only as B. The pairs are
// walked as one circuit through every ordered pair, so the database at A is
// the one the previous step produced.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadParser, parseStatements } from '../src/ddl/index.js';
import { readCatalog, type SchemaObject } from '../src/history/catalog/index.js';
import { diff, renderPlan } from '../src/plan/index.js';
import { createScratchDatabase, dumpBlocks, dumpSchema } from './harness/scratch-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'schemas');
const scripts = readdirSync(FIXTURES).filter((file) => file.endsWith('.sql')).sort();
const STEPS = 3;

/**
 * ALTER TABLE ADD COLUMN appends: a column that B has in the middle lands
 * last when the plan adds it. Only copying the table could reorder columns,
 * and the planner keeps the rows instead, so column order is compared as a
 * set (and only that).
 */
function columnOrderFree(blocks: readonly string[]): string[] {
  return blocks.map((block) => {
    const match = /^(CREATE (?:UNLOGGED )?TABLE [^\n]* \(\n)([\s\S]*?)(\n\)[\s\S]*)$/.exec(block);
    if (!match) return block;
    const lines = match[2]!.split('\n').map((line) => line.replace(/,$/, '')).sort();
    return `${match[1]}${lines.join(',\n')}${match[3]}`;
  }).sort();
}

let available = new Set<string>();
let icu = false;

beforeAll(async () => {
  await loadParser();
  const client = new pg.Client({ connectionString: inject('pgUrl') });
  await client.connect();
  try {
    available = new Set((await client.query<{ name: string }>('SELECT name FROM pg_available_extensions')).rows.map((row) => row.name));
    icu = (await client.query("SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1")).rowCount === 1;
  } finally {
    await client.end();
  }
});

/** Every ordered pair of 0..n-1 once, as one closed walk from 0 (Hierholzer on the complete digraph). */
export function circuit(n: number): Array<[number, number]> {
  const next = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).reverse());
  const stack = [0];
  const path: number[] = [];
  while (stack.length > 0) {
    const at = stack[stack.length - 1]!;
    if (next[at]!.length > 0) stack.push(next[at]!.pop()!);
    else path.push(stack.pop()!);
  }
  path.reverse();
  return path.slice(1).map((to, i) => [path[i]!, to]);
}

function chunks<T>(items: readonly T[], count: number): T[][] {
  const size = Math.ceil(items.length / count);
  const result: T[][] = [];
  for (let at = 0; at < items.length; at += size) result.push(items.slice(at, at + size));
  return result;
}

interface State {
  readonly objects: SchemaObject[];
  readonly blocks: string[];
}

describe('diff proof over the fidelity corpus', () => {
  it('walks every ordered pair of n states', () => {
    const pairs = circuit(4);
    expect(pairs).toHaveLength(12);
    expect(new Set(pairs.map((pair) => pair.join('>'))).size).toBe(12);
    pairs.forEach(([, to], i) => i + 1 < pairs.length && expect(pairs[i + 1]![0]).toBe(to));
  });

  describe.concurrent.each(scripts)('%s', (script) => {
    it('diff A B applied at A dumps as B, for every pair of its states', async (context) => {
      const text = readFileSync(join(FIXTURES, script), 'utf8');
      const missing = [...text.matchAll(/^-- requires extension: (\S+)$/gm)].map((m) => m[1]!).filter((name) => !available.has(name));
      if (missing.length > 0) context.skip(`server lacks extension ${missing.join(', ')}`);
      if (/^-- requires icu$/m.test(text) && !icu) context.skip('server built without ICU');
      const build = await createScratchDatabase('proof_build');
      const walk = await createScratchDatabase('proof_walk');
      try {
        const client = await build.connect();
        const states: State[] = [];
        const capture = async (): Promise<void> => {
          states.push({ objects: await readCatalog(client), blocks: dumpBlocks(await dumpSchema(build.url)) });
        };
        await capture();
        for (const step of chunks(parseStatements(text), STEPS)) {
          await client.query(step.map((statement) => `${statement.text};`).join('\n'));
          await capture();
        }
        const at = walk;
        for (const [a, b] of circuit(states.length)) {
          const plan = diff(states[a]!.objects, states[b]!.objects);
          const sql = renderPlan(plan, { from: `state ${a}`, to: `state ${b}` });
          try {
            await at.runSql(sql);
          } catch (error) {
            throw new Error(`${script}: diff ${a} -> ${b}: ${(error as Error).message}\n--- plan ---\n${sql}`);
          }
          const blocks = columnOrderFree(dumpBlocks(await dumpSchema(at.url)));
          expect(blocks, `${script}: diff ${a} -> ${b}\n--- plan ---\n${sql}`).toEqual(columnOrderFree(states[b]!.blocks));
        }
      } finally {
        await Promise.all([build.drop(), walk.drop()]);
      }
    }, 600_000); // a dozen psql runs and pg_dumps per script: minutes on a loaded machine
  });
});
