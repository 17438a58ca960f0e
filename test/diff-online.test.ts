// Plans that keep a live table usable and its rows: indexes on tables that
// stay are built and dropped CONCURRENTLY after the transaction (psql runs
// the script as it is), and an enum that loses a value is made again with
// its columns cast over, rows kept; a row that still holds the dropped
// value stops the whole plan.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../src/ddl/index.js';
import { readCatalog } from '../src/history/catalog/index.js';
import { diff, renderPlan, type PlanStatement } from '../src/plan/index.js';
import { createScratchDatabase, dumpBlocks, dumpSchema, type ScratchDatabase } from './harness/scratch-database.js';

const opened: ScratchDatabase[] = [];

beforeAll(async () => {
  await loadParser();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.drop()));
});

async function databases(before: string, after: string): Promise<[ScratchDatabase, ScratchDatabase]> {
  const pair = await Promise.all([createScratchDatabase('online_a'), createScratchDatabase('online_b')]);
  opened.push(...pair);
  await Promise.all([pair[0].runSql(before), pair[1].runSql(after)]);
  return pair;
}

async function planBetween(a: ScratchDatabase, b: ScratchDatabase): Promise<PlanStatement[]> {
  const [clientA, clientB] = await Promise.all([a.connect(), b.connect()]);
  const [from, to] = await Promise.all([readCatalog(clientA), readCatalog(clientB)]);
  return diff(from, to);
}

const kinds = (statement: PlanStatement | undefined): string[] => statement?.hazards.map((hazard) => hazard.kind) ?? [];

describe('indexes built and dropped CONCURRENTLY', () => {
  it('puts them after the transaction, marked, and psql runs the script to the target schema', async () => {
    const [a, b] = await databases(
      `CREATE TABLE public.orders (id integer PRIMARY KEY, customer integer, placed date);
       CREATE INDEX orders_placed_idx ON public.orders (placed);
       INSERT INTO public.orders SELECT g, g % 10, DATE '2025-01-01' + g FROM generate_series(1, 100) g;`,
      `CREATE TABLE public.orders (id integer PRIMARY KEY, customer integer, placed date, note text);
       CREATE UNIQUE INDEX orders_customer_placed_idx ON public.orders (customer, placed);
       COMMENT ON INDEX public.orders_customer_placed_idx IS 'one order per customer and day';
       CREATE TABLE public.refunds (id integer, order_id integer);
       CREATE INDEX refunds_order_idx ON public.refunds (order_id);`,
    );
    const plan = await planBetween(a, b);
    const create = plan.find((s) => s.object === 'index:public.orders_customer_placed_idx');
    expect(create?.sql).toMatch(/^CREATE UNIQUE INDEX CONCURRENTLY orders_customer_placed_idx ON public\.orders /);
    expect(create?.transactional).toBe(false);
    expect(kinds(create)).toContain('NOT_TRANSACTIONAL');
    expect(kinds(create)).not.toContain('SHARE_LOCK');
    const drop = plan.find((s) => s.object === 'index:public.orders_placed_idx');
    expect(drop?.sql).toBe('DROP INDEX CONCURRENTLY public.orders_placed_idx;');
    expect(drop?.transactional).toBe(false);
    expect(kinds(drop)).toEqual(expect.arrayContaining(['INDEX_DROPPED', 'NOT_TRANSACTIONAL']));
    // An index on a table the plan creates is built with it, in the transaction.
    expect(plan.find((s) => s.object === 'index:public.refunds_order_idx')?.transactional).toBe(true);
    const script = renderPlan(plan, { from: 'a', to: 'b' });
    expect(script.indexOf('CREATE UNIQUE INDEX CONCURRENTLY')).toBeGreaterThan(script.indexOf('COMMIT;'));
    await a.runSql(script);
    const [left, right] = await Promise.all([dumpSchema(a.url), dumpSchema(b.url)]);
    expect(dumpBlocks(left)).toEqual(dumpBlocks(right));
  });

  it('keeps an index in the transaction when the plan drops a column it covers or builds on it', async () => {
    const [a, b] = await databases(
      `CREATE TABLE public.t (id integer, legacy text, code text);
       CREATE INDEX t_legacy_idx ON public.t (legacy);`,
      `CREATE TABLE public.t (id integer, code text);
       CREATE UNIQUE INDEX t_code_idx ON public.t (code);
       ALTER TABLE public.t CLUSTER ON t_code_idx;`,
    );
    const plan = await planBetween(a, b);
    expect(plan.find((s) => s.object === 'index:public.t_legacy_idx')?.transactional ?? true).toBe(true);
    await a.runSql(renderPlan(plan, { from: 'a', to: 'b' }));
    const [left, right] = await Promise.all([dumpSchema(a.url), dumpSchema(b.url)]);
    expect(dumpBlocks(left)).toEqual(dumpBlocks(right));
  });
});

describe('an enum that loses a value', () => {
  const before = `
    CREATE TYPE public.status AS ENUM ('new', 'paid', 'cancelled', 'shipped');
    CREATE TABLE public.orders (id integer PRIMARY KEY, status public.status NOT NULL DEFAULT 'new', trail public.status[] DEFAULT ARRAY['new'::public.status]);
    CREATE INDEX orders_open_idx ON public.orders (id) WHERE status <> 'shipped';
    CREATE VIEW public.open_orders AS SELECT id, status FROM public.orders WHERE status <> 'shipped';
    CREATE FUNCTION public.is_done(s public.status) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN s = 'shipped';
    INSERT INTO public.orders SELECT g, (ARRAY['new', 'paid', 'shipped'])[1 + g % 3]::public.status, ARRAY['new', 'paid']::public.status[] FROM generate_series(1, 30) g;`;
  const after = `
    CREATE TYPE public.status AS ENUM ('new', 'paid', 'shipped');
    CREATE TABLE public.orders (id integer PRIMARY KEY, status public.status NOT NULL DEFAULT 'new', trail public.status[] DEFAULT ARRAY['new'::public.status]);
    CREATE INDEX orders_open_idx ON public.orders (id) WHERE status <> 'shipped';
    CREATE VIEW public.open_orders AS SELECT id, status FROM public.orders WHERE status <> 'shipped';
    CREATE FUNCTION public.is_done(s public.status) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN s = 'shipped';`;

  it('is made again under its name, its columns cast through text, the rows kept, DELETES_DATA naming the value', async () => {
    const [a, b] = await databases(before, after);
    const plan = await planBetween(a, b);
    const sql = plan.map((s) => s.sql);
    expect(sql.some((s) => /^DROP TABLE /m.test(s))).toBe(false);
    const retire = sql.indexOf('ALTER TYPE public.status RENAME TO status_pggit_old;');
    const create = sql.findIndex((s) => /^CREATE TYPE public\.status AS ENUM \(\s*'new',\s*'paid',\s*'shipped'\s*\)/.test(s));
    const cast = sql.findIndex((s) => s.includes('ALTER COLUMN status TYPE public.status USING status::text::public.status'));
    const castArray = sql.findIndex((s) => s.includes('ALTER COLUMN trail TYPE public.status[] USING trail::text[]::public.status[]'));
    const dropOld = sql.indexOf('DROP TYPE public.status_pggit_old;');
    expect(retire).toBeGreaterThan(sql.indexOf('DROP VIEW public.open_orders;'));
    expect(create).toBeGreaterThan(retire);
    expect(cast).toBeGreaterThan(create);
    expect(castArray).toBeGreaterThan(create);
    expect(dropOld).toBeGreaterThan(Math.max(cast, castArray, sql.findIndex((s) => s.startsWith('CREATE VIEW public.open_orders'))));
    expect(plan[create]!.hazards).toContainEqual(expect.objectContaining({ kind: 'DELETES_DATA', detail: expect.stringContaining("drops enum value 'cancelled' of public.status") }));
    expect(kinds(plan[cast])).toContain('TABLE_REWRITE');
    await a.runSql(renderPlan(plan, { from: 'a', to: 'b' }));
    const [left, right] = await Promise.all([dumpSchema(a.url), dumpSchema(b.url)]);
    expect(dumpBlocks(left)).toEqual(dumpBlocks(right));
    const client = await a.connect();
    const rows = await client.query<{ status: string; n: string }>('SELECT status::text, count(*) AS n FROM public.orders GROUP BY 1 ORDER BY 1');
    expect(rows.rows).toEqual([{ status: 'new', n: '10' }, { status: 'paid', n: '10' }, { status: 'shipped', n: '10' }]);
  });

  it('stops the whole plan when a row still holds the dropped value: nothing changes', async () => {
    const [a, b] = await databases(`${before} UPDATE public.orders SET status = 'cancelled' WHERE id = 7;`, after);
    const plan = await planBetween(a, b);
    await expect(a.runSql(renderPlan(plan, { from: 'a', to: 'b' }))).rejects.toThrow(/invalid input value for enum public\.status: "cancelled"/);
    const client = await a.connect();
    const labels = await client.query<{ labels: string[] }>("SELECT enum_range(NULL::public.status)::text[] AS labels");
    expect(labels.rows[0]!.labels).toEqual(['new', 'paid', 'cancelled', 'shipped']);
    expect((await client.query("SELECT 1 FROM pg_type WHERE typname = 'status_pggit_old'")).rowCount).toBe(0);
  });
});
