// The guard's pure core on parsed statements: which hazards the policy acts
// on, what a size changes, and what the client will read.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseStatements } from '../../ddl/index.js';
import { DEFAULT_GUARD_POLICY, modeFor, parseHazardList, type GuardPolicy } from './policy.js';
import { candidatesOf, lockOf, relationsOf, verdictsOf, type TableSize } from './verdicts.js';

beforeAll(() => loadParser());

const BIG: TableSize = { rows: 2_000_000, bytes: 300 * 1024 * 1024 };
const sizes = (known: Record<string, TableSize>) => (relation: string) => known[relation];

function verdicts(sql: string, policy: GuardPolicy = DEFAULT_GUARD_POLICY, known: Record<string, TableSize> = { 'public.orders': BIG, orders: BIG }, allowed: string[] = []) {
  const statements = parseStatements(sql);
  return verdictsOf(statements, candidatesOf(statements, policy, new Set(allowed)), sizes(known), policy.minRows);
}

describe('guard verdicts', () => {
  it('warns about each outage hazard on a big table, naming hazard, table, size, lock and safer form', () => {
    const cases: Array<[string, string[], string]> = [
      ['ALTER TABLE orders ALTER COLUMN total TYPE numeric', ['TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()', ['TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['ALTER TABLE orders ALTER COLUMN total SET NOT NULL', ['VALIDATES_ROWS', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer) REFERENCES customers (id)', ['VALIDATES_ROWS'], 'SHARE ROW EXCLUSIVE'],
      ['CREATE INDEX ON orders (total)', ['SHARE_LOCK'], 'SHARE'],
      ['REINDEX TABLE orders', ['SHARE_LOCK'], 'SHARE'],
      ['VACUUM FULL orders', ['TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['CLUSTER orders USING orders_pkey', ['TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['DROP TABLE orders', ['DELETES_DATA', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['ALTER TABLE orders DROP COLUMN note', ['DELETES_DATA', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE', ['ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
      ['TRUNCATE orders', ['DELETES_DATA', 'ACCESS_EXCLUSIVE_LOCK'], 'ACCESS EXCLUSIVE'],
    ];
    for (const [sql, kinds, lock] of cases) {
      const [verdict, ...rest] = verdicts(sql);
      expect(rest, sql).toEqual([]);
      expect(verdict?.action, sql).toBe('warn');
      expect([...new Set(verdict?.hazards.map((h) => h.kind))], sql).toEqual(kinds);
      expect(verdict?.lock, sql).toBe(lock);
      expect(verdict?.notice.message, sql).toContain('orders (2,000,000 rows, 300 MB)');
      expect(verdict?.notice.sqlstate).toBe('01PGG');
      expect(verdict?.notice.hint, sql).toMatch(/^Safer: .*SET LOCAL pggit\.allow = '/);
    }
  });

  it('passes the safe forms, small tables and relations that are not live tables', () => {
    for (const sql of [
      'CREATE INDEX CONCURRENTLY ON orders (total)',
      'ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID',
      'ALTER TABLE orders ADD COLUMN note text DEFAULT \'none\'',
      'DROP INDEX CONCURRENTLY orders_total_idx',
      'ALTER TABLE orders RENAME COLUMN note TO remark',
      'ALTER TABLE orders VALIDATE CONSTRAINT positive',
      'SELECT 1',
    ]) expect(verdicts(sql), sql).toEqual([]);
    expect(verdicts('CREATE INDEX ON orders (total)', DEFAULT_GUARD_POLICY, { orders: { rows: 99_999, bytes: 1 } })).toEqual([]);
    expect(verdicts('CREATE INDEX ON made_in_this_transaction (x)')).toEqual([]);
  });

  it('denies with its own SQLSTATE where the policy says so, per hazard too', () => {
    const deny: GuardPolicy = { ...DEFAULT_GUARD_POLICY, mode: 'deny' };
    expect(verdicts('DROP TABLE orders', deny)[0]).toMatchObject({ action: 'deny', notice: { sqlstate: 'PGG01' } });
    const onlyDeletes: GuardPolicy = { ...DEFAULT_GUARD_POLICY, overrides: new Map([['DELETES_DATA', 'deny']]) };
    expect(verdicts('DROP TABLE orders', onlyDeletes)[0]?.action).toBe('deny');
    expect(verdicts('CREATE INDEX ON orders (total)', onlyDeletes)[0]?.action).toBe('warn');
    const off: GuardPolicy = { ...DEFAULT_GUARD_POLICY, overrides: new Map([['SHARE_LOCK', 'off']]) };
    expect(verdicts('CREATE INDEX ON orders (total)', off)).toEqual([]);
    expect(modeFor(DEFAULT_GUARD_POLICY, 'AUTHZ')).toBe('off');
  });

  it('lets allowed hazards through, and names the statement of a multi-statement Query', () => {
    expect(verdicts('ALTER TABLE orders ALTER COLUMN total TYPE numeric', DEFAULT_GUARD_POLICY, undefined, ['TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK'])).toEqual([]);
    const found = verdicts('CREATE TABLE t (); SELECT 1; DROP TABLE public.orders');
    expect(found.map((v) => v.statement)).toEqual([2]);
  });

  it('asks for each relation once, and reads hazard lists strictly', () => {
    const statements = parseStatements('DROP TABLE orders; TRUNCATE orders, customers');
    expect(relationsOf(candidatesOf(statements, DEFAULT_GUARD_POLICY, new Set())).sort()).toEqual(['customers', 'orders']);
    expect(parseHazardList('deletes_data, TABLE_REWRITE', '--guard-deny')).toEqual(['DELETES_DATA', 'TABLE_REWRITE']);
    expect(() => parseHazardList('DELETE_DATA', '--guard-deny')).toThrow(/unknown hazard "DELETE_DATA"; the hazards are DELETES_DATA, /);
    expect(lockOf(parseStatements('GRANT SELECT ON orders TO app')[0]!)).toBe('none that blocks reads or writes');
  });
});
