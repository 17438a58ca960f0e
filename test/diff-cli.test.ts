// `pggit diff URL URL` between two live databases, with no store: the
// script turns one schema into the other when psql runs it, hazards carry
// the live row counts, --exit-code says whether anything differs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from './harness/cli.js';
import { createScratchDatabase, dumpBlocks, dumpSchema, type ScratchDatabase } from './harness/scratch-database.js';

interface DiffJson {
  from: string;
  to: string;
  statements: Array<{ sql: string; object: string; action: string; transactional: boolean; hazards: Array<{ kind: string; relation?: string; rows?: number }> }>;
  summary: { statements: number };
}

let before: ScratchDatabase;
let after: ScratchDatabase;

beforeAll(async () => {
  [before, after] = await Promise.all([createScratchDatabase('diff_before'), createScratchDatabase('diff_after')]);
  await before.runSql(`
    CREATE TYPE public.mood AS ENUM ('sad', 'happy');
    CREATE TABLE public.users (id integer PRIMARY KEY, email text, nickname text, mood public.mood);
    INSERT INTO public.users SELECT g, 'u' || g, 'n' || g, 'sad' FROM generate_series(1, 250) g;
    CREATE VIEW public.user_emails AS SELECT id, email FROM public.users;`);
  await after.runSql(`
    CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE public.users (id integer PRIMARY KEY, email varchar(200) NOT NULL, mood public.mood);
    CREATE INDEX users_email_idx ON public.users (email);
    CREATE VIEW public.user_emails AS SELECT id, email FROM public.users;`);
});

afterAll(async () => {
  await Promise.all([before?.drop(), after?.drop()]);
});

describe('pggit diff between two live databases', () => {
  it('plans drop column with its row count, a retyped column under a view, an enum value in place', async () => {
    const result = await runCliJson<DiffJson>(['diff', before.url, after.url, '--json']);
    const sql = result.statements.map((s) => s.sql);
    expect(sql).toContain('ALTER TABLE public.users DROP COLUMN nickname;');
    const drop = result.statements.find((s) => s.sql.includes('DROP COLUMN nickname'))!;
    expect(drop.hazards).toContainEqual(expect.objectContaining({ kind: 'DELETES_DATA', relation: 'public.users', rows: 250 }));
    // The view over the retyped column goes before the ALTER and comes back after it.
    const dropView = sql.indexOf('DROP VIEW public.user_emails;');
    const retype = sql.findIndex((s) => s.includes('ALTER COLUMN email TYPE character varying(200)'));
    const createView = sql.findIndex((s) => s.startsWith('CREATE VIEW public.user_emails'));
    expect(dropView).toBeGreaterThanOrEqual(0);
    expect(retype).toBeGreaterThan(dropView);
    expect(createView).toBeGreaterThan(retype);
    const enumValue = result.statements.find((s) => s.sql.includes("ADD VALUE 'ok'"))!;
    expect(enumValue.transactional).toBe(false);
    expect(result.statements.find((s) => s.sql.includes('SET NOT NULL'))!.hazards.map((h) => h.kind)).toContain('VALIDATES_ROWS');
    // A new index on a table that stays is built CONCURRENTLY, after the transaction.
    const index = result.statements.find((s) => s.object === 'index:public.users_email_idx')!;
    expect(index.sql).toMatch(/^CREATE INDEX CONCURRENTLY /);
    expect(index.transactional).toBe(false);
    expect(index.hazards.map((h) => h.kind)).toContain('NOT_TRANSACTIONAL');
  });

  it('prints a script psql runs to reach the target schema, and --exit-code says 1, then 0', async () => {
    const script = await runCli(['diff', before.url, after.url, '--exit-code']);
    expect(script.code, script.stderr).toBe(1);
    expect(script.stdout).toMatch(/-- hazard DELETES_DATA: drops column nickname and its data \(public\.users: 250 rows, /);
    await before.runSql(script.stdout);
    const [left, right] = await Promise.all([dumpSchema(before.url), dumpSchema(after.url)]);
    expect(dumpBlocks(left)).toEqual(dumpBlocks(right));
    const again = await runCli(['diff', before.url, after.url, '--exit-code']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('-- no differences');
  });

  it('answers a missing FROM as a usage error (exit 2)', async () => {
    const result = await runCli(['diff']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected FROM');
  });
});
