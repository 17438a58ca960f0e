// The guard's table-size cache against a real server: a size is read once
// per TTL, and names not asked for within a TTL leave the cache (tables come
// and go: a proxy in front of test suites sees thousands of names).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TableSizes } from '../src/proxy/guard/table-sizes.js';
import { upstreamUrl } from './harness/proxy.js';

const TTL_MS = 60_000;
let pool: pg.Pool;
let clock = 1_000_000;
let sizes: TableSizes;
let scope: { database: string; role: string; searchPath: string | undefined };

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: upstreamUrl(), max: 1 });
  await pool.query('DROP TABLE IF EXISTS sized_a, sized_b; CREATE TABLE sized_a (id int); CREATE TABLE sized_b (id int)');
  const { rows } = await pool.query<{ database: string; role: string }>('SELECT current_database() AS database, current_user AS role');
  scope = { ...rows[0]!, searchPath: 'public' };
  sizes = new TableSizes(() => pool, TTL_MS, () => clock);
});

afterAll(async () => {
  await pool.query('DROP TABLE IF EXISTS sized_a, sized_b');
  await pool.end();
});

describe('the guard table-size cache', () => {
  it('reads a size once per TTL and forgets names not asked for within one', async () => {
    await sizes.load(scope, ['sized_a', 'no_such_table']);
    expect(sizes.sizeOf(scope, 'sized_a')).toEqual({ rows: expect.any(Number), bytes: expect.any(Number) });
    expect(sizes.sizeOf(scope, 'no_such_table')).toBeUndefined();
    expect(sizes.size).toBe(2);
    clock += TTL_MS + 1;
    expect(sizes.cached(scope, 'sized_a')).toBe('missing');
    await sizes.load(scope, ['sized_b']);
    // The expired entries went with the next read: only sized_b is held.
    expect(sizes.size).toBe(1);
    expect(sizes.cached(scope, 'sized_b')).toEqual({ rows: expect.any(Number), bytes: expect.any(Number) });
  });
});
