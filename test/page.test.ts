// The web page in a real browser (Debian's Chromium via playwright-core),
// against a `pggit proxy` with a history it recorded: branch -> commit ->
// object history -> diff, the schema at a revision, the impact chart, at
// laptop and phone widths. Screenshots go to test-results/page/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, poll, type PageSession } from './harness/page-session.js';
import { migrate, recordHistory, type RecordedHistory } from './harness/recorded-history.js';

let history: RecordedHistory;
let session: PageSession;
let page: Page;

beforeAll(async () => {
  history = await recordHistory('page');
  await migrate(history);
  // Traffic around a migration that makes it slower, for the impact chart.
  const shop = await history.connect(history.app, 'shop');
  await shop.query("INSERT INTO users VALUES (1, 'a@example.com', 'Ann')");
  for (let i = 0; i < 25; i++) await shop.query('SELECT * FROM users WHERE id = 1');
  const migrator = await history.connect(history.app, 'migrate');
  for (const statement of [
    'BEGIN',
    "SET LOCAL pggit.message = 'big_orders: wait for it'",
    'CREATE OR REPLACE VIEW big_orders AS SELECT o.*, pg_sleep(0.25)::text AS pause FROM orders o RIGHT JOIN (VALUES (1)) one(x) ON true',
    'COMMIT',
  ]) {
    await migrator.query(statement);
  }
  await history.waitForCommit('big_orders: wait for it');
  for (let i = 0; i < 20; i++) await shop.query('SELECT * FROM big_orders');
  await shop.end();
  await migrator.end();
  session = await openPage(history.proxy.http);
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
  await history?.stop();
});

const rows = () => page.locator('.commit-row');
const visit = (hash: string, heading: string | RegExp) => session.visit(hash, heading);
const shot = (name: string) => session.shot(name);

describe('the web page', () => {
  it('shows a branch as a graph, with branch heads, the branch point and the flagged commit', async () => {
    await page.goto(`${history.proxy.http}/`);
    await poll(() => page.locator('h1').textContent()).toBe(`${history.app} · main`);
    await page.locator('#nav a.branch', { hasText: 'feature' }).click();
    await poll(() => page.locator('h1').textContent()).toBe(`${history.app} · feature`);
    const messages = await rows().locator('.message').allTextContents();
    expect(messages.slice(0, 2)).toEqual(['users: email may be empty', 'alter table users']);
    expect(messages).toContain('orders: a table of their own');
    expect(await rows().first().locator('.ref.head').textContent()).toBe('feature');
    expect(await page.locator('.ref.start').textContent()).toBe('feature starts here');
    expect(await page.locator('svg.graph circle').count()).toBe(messages.length);

    await page.locator('#nav a.branch', { hasText: 'main' }).click();
    await poll(() => page.locator('.commit-row.flagged .message').allTextContents()).toEqual(['big_orders: wait for it']);
    await page.getByLabel('all branches').check();
    await poll(() => page.locator('h1').textContent()).toBe(`All branches of ${history.app}`);
    await poll(() => page.locator('.ref.head').allTextContents()).toEqual(['main', 'feature']);
    await shot('log-all-branches');
  });

  it('filters by object and by author', async () => {
    await visit(`#/r/${history.app}/log/main`, `${history.app} · main`);
    await page.getByLabel('filter by object').fill('public.orders');
    await page.getByLabel('filter by object').press('Enter');
    await poll(() => page.locator('h1').textContent()).toBe('History of public.orders');
    const messages = await rows().locator('.message').allTextContents();
    expect(messages).toContain('orders: a table of their own');
    expect(messages).toContain('create index orders_user');
    expect(messages).not.toContain('alter table users');
    await visit(`#/r/${history.app}/log/main`, `${history.app} · main`);
    await page.getByLabel('filter by author').selectOption('(unknown)');
    await poll(() => rows().locator('.message').allTextContents()).toEqual(['baseline: the schema when pggit first saw this database']);
  });

  it('opens a commit: statements, parents, the impact chart, and a diff per object, unified or side by side', async () => {
    await visit(`#/r/${history.app}/log/feature`, `${history.app} · feature`);
    await page.locator('.message', { hasText: 'users: email may be empty' }).click();
    await poll(() => page.locator('h1').textContent()).toBe('users: email may be empty');
    expect(await page.locator('pre.sql').first().textContent()).toContain('ALTER TABLE users ALTER COLUMN email DROP NOT NULL');
    const unified = page.locator('section.object[data-key="table:public.users"] pre.diff');
    expect(await unified.locator('.del').allTextContents()).toEqual(['-    email text NOT NULL,\n']);
    expect(await unified.locator('.add').allTextContents()).toEqual(['+    email text,\n']);
    await page.getByRole('button', { name: 'side by side' }).click();
    const split = page.locator('section.object[data-key="table:public.users"] table.diff.split');
    expect(await split.locator('td.del').allTextContents()).toEqual(['    email text NOT NULL,']);
    expect(await split.locator('td.add').allTextContents()).toEqual(['    email text,']);
    await page.getByRole('button', { name: 'unified' }).click();

    await page.locator('a.parent').first().click();
    await poll(() => page.locator('h1').textContent()).toBe('alter table users');

    await visit(`#/r/${history.app}/log/main`, `${history.app} · main`);
    await page.locator('.commit-row.flagged .message').click();
    await poll(() => page.locator('.warn-box').textContent()).toMatch(/^⚠ p95 latency/);
    expect(await page.locator('svg.chart polyline.p95').count()).toBe(1);
    expect(await page.locator('table.numbers tbody tr').count()).toBe(2);
    await shot('commit');
  });

  it('shows the history of one object, then the diff of two refs', async () => {
    await visit(`#/r/${history.app}/log/feature`, `${history.app} · feature`);
    await page.locator('.message', { hasText: 'users: email may be empty' }).click();
    await poll(() => page.locator('h1').textContent()).toBe('users: email may be empty');
    await page.locator('section.object[data-key="table:public.users"] a.history').click();
    await poll(() => page.locator('h1').textContent()).toBe('History of public.users');
    expect(await page.locator('article.object-commit header .message').allTextContents()).toEqual([
      'users: email may be empty',
      'alter table users',
      'alter table users',
      'create table users',
    ]);
    await shot('object-history');

    await page.locator('#nav a.tab', { hasText: 'Diff' }).click();
    await poll(() => page.locator('h1').textContent()).toBe(`Diff of ${history.app}`);
    expect(await page.getByLabel('from', { exact: true }).inputValue()).toBe('main');
    expect(await page.getByLabel('to', { exact: true }).inputValue()).toBe('feature');
    const users = page.locator('section.object[data-key="table:public.users"]');
    expect(await users.locator('.add').allTextContents()).toContain('+    nickname text\n');
    expect(await page.locator('section.object[data-key="view:public.big_orders"] .mark').textContent()).toBe('~');
    await shot('diff');
  });

  it('shows the schema at a revision by schema and kind', async () => {
    await visit(`#/r/${history.app}/schema`, `Schema of ${history.app}`);
    await page.getByLabel('revision or time').fill('main~2');
    await page.getByRole('button', { name: 'Show' }).click();
    await poll(() => page.locator('main .page > p.muted').first().textContent()).toContain('alter table users');
    expect(await page.locator('.schema-group h2').allTextContents()).toEqual(['public', '(database)']);
    expect(await page.locator('details[data-key="view:public.big_orders"]').count()).toBe(0);
    await page.locator('details[data-key="table:public.users"] summary').click();
    expect(await page.locator('details[data-key="table:public.users"] pre').textContent()).toContain('name text');
    await shot('schema');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await visit(`#/r/${history.app}/log/main?all=1`, `All branches of ${history.app}`);
    await poll(() => rows().count()).toBeGreaterThan(5);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('phone-log');
    await page.locator('.commit-row.flagged .message').click();
    await poll(() => page.locator('svg.chart').count()).toBe(1);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('phone-commit');
    expect(session.problems).toEqual([]);
  });
});
