// Per-migration impact through a running `pggit proxy`: the proxy measures
// the application's statements; a migration that made them slower and one
// that started errors are flagged, each for its own reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { recordHistory, type RecordedHistory } from './harness/recorded-history.js';

let history: RecordedHistory;
let app: pg.Client;

const api = async (path: string): Promise<any> => {
  const response = await fetch(`${history.proxy.http}${path}`);
  expect(response.status).toBe(200);
  return response.json();
};

async function traffic(sql: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await app.query(sql).catch(() => undefined);
}

beforeAll(async () => {
  history = await recordHistory('imp');
  const migrator = await history.connect(history.app, 'migrate');
  await migrator.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
  await migrator.query("INSERT INTO items VALUES (1, 'one')");
  await migrator.query('CREATE VIEW items_v AS SELECT id, name FROM items');
  app = await history.connect(history.app, 'shop');
  await traffic('SELECT * FROM items_v', 60);
  // The view now waits 250 ms per row: the application gets slower (by far more than machine noise).
  for (const statement of [
    'BEGIN',
    "SET LOCAL pggit.message = 'items_v waits 250 ms'",
    'CREATE OR REPLACE VIEW items_v AS SELECT id, name, pg_sleep(0.25)::text AS pause FROM items',
    'COMMIT',
  ]) {
    await migrator.query(statement);
  }
  await history.waitForCommit('items_v waits');
  await traffic('SELECT * FROM items_v', 20);
  // The view is gone: the application's queries fail.
  await migrator.query('DROP VIEW items_v');
  await history.waitForCommit('drop view');
  await traffic('SELECT * FROM items_v', 60);
  await migrator.end();
}, 300_000);

afterAll(async () => {
  await app?.end();
  await history?.stop();
});

describe('per-migration impact', () => {
  it('flags the commit that made queries slower, and the one that started errors', async () => {
    const log = await api(`/api/log?db=${history.app}&n=2`);
    const [dropped, slowed] = log.commits;
    expect(dropped.message).toContain('drop view');

    const slow = await api(`/api/impact?db=${history.app}&commit=${slowed.id}`);
    // The application's 60, and the migration's own BEGIN, SET and COMMIT (its DDL is left out).
    expect(slow.before.statements).toBeGreaterThanOrEqual(60);
    expect(slow.before.statements).toBeLessThanOrEqual(63);
    expect(slow.after.statements).toBe(20);
    expect(slow.after.p50).toBeGreaterThanOrEqual(0.25);
    expect(slow.before.p95).toBeLessThan(slow.after.p50);
    expect(slow.flagged).toBe(true);
    expect(slow.reasons).toEqual([expect.stringMatching(/^p95 latency/)]);
    expect(slow.series.reduce((sum: number, point: { statements: number }) => sum + point.statements, 0)).toBe(slow.before.statements + 20);

    const broken = await api(`/api/impact?db=${history.app}&commit=${dropped.id}`);
    expect(broken.after).toMatchObject({ statements: 60, errors: 60, errorRate: 1 });
    expect(broken.reasons).toEqual([expect.stringMatching(/^error rate 0\.0% -> 100\.0%/)]);

    const all = await api(`/api/impact?db=${history.app}`);
    const flagged = all.commits.filter((entry: { flagged: boolean }) => entry.flagged).map((entry: { id: string }) => entry.id);
    expect(flagged).toEqual([dropped.id, slowed.id]);
  });

  it('answers 400 for a bad window and 404 for an unknown commit', async () => {
    expect((await fetch(`${history.proxy.http}/api/impact?db=${history.app}&window=0`)).status).toBe(400);
    expect((await fetch(`${history.proxy.http}/api/impact?db=${history.app}&commit=feedface`)).status).toBe(404);
  });
});
