// Merges on the web page, in a real browser (Debian's Chromium via
// playwright-core), against a `pggit proxy` with real branches: one clean
// merge recorded (feature into main), one stopped on a conflict and left in
// progress (hotfix into main), one branch only previewed (cleanup: a rename
// and a dropped column). The graph draws the merge and the branch points;
// the merge page previews, shows the conflict side by side with the
// commands that resolve it, and resolves and continues it with the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LogResult } from '../src/history/index.js';
import { openPage, poll, type PageSession } from './harness/page-session.js';
import { changeAndWait, migrate, postApi, recordHistory, type RecordedHistory } from './harness/recorded-history.js';

let history: RecordedHistory;
let session: PageSession;
let page: Page;
let db: string;

async function log(branch: string): Promise<LogResult> {
  return (await fetch(`${history.proxy.http}/api/log?db=${db}&branch=${branch}`)).json() as Promise<LogResult>;
}

beforeAll(async () => {
  history = await recordHistory('pagemerge');
  db = history.app;
  await migrate(history); // main: users, orders, big_orders; feature: users.nickname, email nullable
  const main = await history.connect(db, 'migrate');
  await changeAndWait(history, main, 'ALTER TABLE users ADD COLUMN legacy text');
  const clean = await postApi(history, 'merge', { db, source: 'feature' });
  if (clean.status !== 200 || !clean.body.applied) throw new Error(`merge of feature failed: ${JSON.stringify(clean.body)}`);
  for (const name of ['hotfix', 'cleanup']) {
    const created = await postApi(history, 'branches', { db, name });
    if (created.status !== 201) throw new Error(`branch ${name}: ${JSON.stringify(created.body)}`);
  }
  const hotfix = await history.connect(`${db}@hotfix`, 'migrate');
  await changeAndWait(history, hotfix, 'CREATE INDEX users_name_idx ON users (name)');
  await changeAndWait(history, hotfix, 'ALTER TABLE orders ADD COLUMN note text');
  await changeAndWait(history, main, 'CREATE INDEX users_name_idx ON users (lower(name))');
  const cleanup = await history.connect(`${db}@cleanup`, 'migrate');
  await changeAndWait(history, cleanup, 'ALTER TABLE users RENAME COLUMN nickname TO handle');
  await changeAndWait(history, cleanup, 'ALTER TABLE users DROP COLUMN legacy');
  for (const client of [main, hotfix, cleanup]) await client.end();
  const stopped = await postApi(history, 'merge', { db, source: 'hotfix' });
  if (stopped.status !== 409 || !stopped.body.inProgress) throw new Error(`merge of hotfix should stop on a conflict: ${JSON.stringify(stopped.body)}`);
  // A wrong token is tried on purpose below: the browser logs its 401.
  session = await openPage(history.proxy.http, (url) => url.endsWith('/api/merge/resolve'));
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
  await history?.stop();
});

const rowOf = (id: string) => page.locator(`.commit-row[data-id="${id}"]`);
const laneOf = async (id: string) => Number(await rowOf(id).getAttribute('data-lane'));

describe('merges on the web page', () => {
  it('draws the merge commit with both parents joined, and where each branch started', async () => {
    const mainLog = await log('main');
    const merge = mainLog.commits.find((commit) => commit.message === "merge branch 'feature' into main")!;
    expect(merge.parents).toHaveLength(2);
    const [ours, theirs] = merge.parents as [string, string];
    const featureLog = await log('feature');
    expect(featureLog.commits[0]!.id).toBe(theirs);

    await session.visit(`#/r/${db}/log/main`, `${db} · main`);
    await poll(() => page.locator('.merge-banner').textContent()).toMatch(/^A merge of hotfix into main is in progress: 1 of 1 conflict unresolved\./);
    const row = rowOf(merge.id);
    expect(await row.getAttribute('class')).toContain('merge');
    expect(await row.locator('.kind').textContent()).toBe('merge');
    expect(await row.locator('.ref.start').allTextContents()).toEqual(['hotfix starts here', 'cleanup starts here'].sort());
    // One line from the merge to each parent: the first stays in the merge's lane, the second leads to feature's lane.
    const mergeLane = await laneOf(merge.id);
    expect(Number(await row.locator(`path[data-parent="${ours}"]`).getAttribute('data-lane'))).toBe(mergeLane);
    const theirsLane = Number(await row.locator(`path[data-parent="${theirs}"]`).getAttribute('data-lane'));
    expect(theirsLane).not.toBe(mergeLane);
    expect(await laneOf(theirs)).toBe(theirsLane);
    expect(await rowOf(theirs).locator('.ref.head').textContent()).toBe('feature');
    // Every row between the merge and feature's head carries feature's line through.
    const ids = await page.locator('.commit-row').evaluateAll((rows) => rows.map((el) => el.getAttribute('data-id')!));
    for (const id of ids.slice(ids.indexOf(merge.id) + 1, ids.indexOf(theirs))) expect(await rowOf(id).locator(`path[data-through="${theirs}"]`).count()).toBe(1);
    // feature's oldest commit has a lane of its own, whose line ends at the commit feature started from, on main's lane.
    const start = page.locator('.commit-row', { has: page.locator('.ref.start', { hasText: 'feature starts here' }) });
    const startId = (await start.getAttribute('data-id'))!;
    const first = featureLog.commits.find((commit) => commit.parents.includes(startId) && commit.branch === 'feature')!;
    const featureLane = await laneOf(first.id);
    expect(featureLane).not.toBe(await laneOf(startId));
    expect(Number(await rowOf(first.id).locator(`path[data-parent="${startId}"]`).getAttribute('data-lane'))).toBe(featureLane);
    expect(await start.locator(`path[data-join="${featureLane}"]`).count()).toBe(1);
    await session.shot('merge-log');

    await page.getByLabel('all branches').check();
    await poll(() => page.locator('h1').textContent()).toBe(`All branches of ${db}`);
    await poll(() => page.locator('.ref.head').allTextContents()).toEqual(['cleanup', 'main', 'hotfix', 'feature']);
    await session.shot('merge-log-all');
  });

  it('previews merges: the plan with hazards, the conflicts, and "nothing to merge"', async () => {
    await session.visit(`#/r/${db}/merge`, `Merges of ${db}`);
    expect(await page.locator('ul.merges li').allTextContents()).toEqual([expect.stringMatching(/^hotfix into main1 of 1 conflict unresolved started .* by http$/)]);
    await page.getByLabel('source branch').selectOption('cleanup');
    await page.getByRole('button', { name: 'Preview' }).click();
    await poll(() => page.locator('h2').last().textContent()).toBe('cleanup into main');
    expect(await page.locator('.ok-box').textContent()).toBe("Merges cleanly: 2 statements would run on main's database in one transaction.");
    expect(await page.locator('ol.plan .step').allTextContents()).toEqual(['rename column public.users.nickname -> handle', 'alter table:public.users']);
    expect(await page.locator('ol.plan li.hazardous').count()).toBe(2);
    expect(await page.locator('ol.plan li').nth(1).locator('pre.sql').textContent()).toBe('ALTER TABLE public.users DROP COLUMN legacy;');
    expect(await page.locator('ol.plan li').nth(1).locator('.hazard strong').allTextContents()).toContain('⚠ DELETES_DATA');
    expect(await page.locator('.warn-box').allTextContents()).toContain('It deletes data (see DELETES_DATA below): the merge refuses to run without --force.');
    expect(await page.locator('pre.cli').textContent()).toBe(`npx pggit merge cleanup --into main --db ${db} --force\n`);
    await session.shot('merge-preview');

    await page.getByLabel('source branch').selectOption('hotfix');
    await page.getByRole('button', { name: 'Preview' }).click();
    await poll(() => page.locator('h2').last().textContent()).toBe('hotfix into main');
    expect(await page.locator('[role=status].warn-box').textContent()).toMatch(/^1 conflict: merging now would stop/);
    expect(await page.locator('section.conflict').getAttribute('data-key')).toBe('index:public.users_name_idx');
    expect(await page.locator('.warn-box', { hasText: 'already has a merge of hotfix in progress' }).count()).toBe(1);
    expect(await page.locator('ol.plan').count()).toBe(0);

    await page.getByLabel('source branch').selectOption('feature');
    await page.getByRole('button', { name: 'Preview' }).click();
    await poll(() => page.locator('.ok-box').textContent()).toBe('Nothing to merge: main already has every commit of feature.');
  });

  it('shows the merge in progress: base, ours and theirs side by side, and how to resolve it', async () => {
    await session.visit(`#/r/${db}/log/main`, `${db} · main`);
    await page.locator('.merge-banner a').click();
    await poll(() => page.locator('h1').textContent()).toBe('Merging hotfix into main');
    const conflict = page.locator('section.conflict[data-key="index:public.users_name_idx"]');
    expect(await conflict.locator('.conflict-kind').textContent()).toBe('add/add');
    expect(await conflict.locator('.state').textContent()).toBe('unresolved');
    expect(await conflict.locator('.side-base .absent').textContent()).toBe('(not in the base: added since)');
    expect(await conflict.locator('.side-ours pre').textContent()).toBe('CREATE INDEX users_name_idx ON public.users USING btree (lower(name));\n');
    expect(await conflict.locator('.side-theirs pre').textContent()).toBe('CREATE INDEX users_name_idx ON public.users USING btree (name);\n');
    expect(await conflict.locator('.side-ours h4').textContent()).toBe('ours: main');
    expect(await conflict.locator('pre.cli').textContent()).toContain(`npx pggit merge --resolve index:public.users_name_idx --ours --into main --db ${db}\n`);
    // Writes need the token: no buttons until it is given.
    expect(await page.locator('button[data-take]').count()).toBe(0);
    expect(await page.getByLabel('API token').count()).toBe(1);
    await session.shot('merge-conflict');
    await page.setViewportSize({ width: 390, height: 844 });
    await poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await session.shot('phone-merge-conflict');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('resolves and continues the merge from the page with the API token, never without it', async () => {
    await session.visit(`#/r/${db}/merge/main`, 'Merging hotfix into main');
    await page.getByLabel('API token').fill('not-the-token');
    await page.getByRole('button', { name: 'Use it' }).click();
    await page.locator('button[data-take="ours"]').click();
    await poll(() => page.locator('[role=alert]').textContent()).toBe('UNAUTHORIZED: missing or wrong "Authorization: Bearer" token');
    expect(await page.locator('section.conflict .state').textContent()).toBe('unresolved');

    await page.getByRole('button', { name: 'forget it' }).click();
    await page.getByLabel('API token').fill('test-token');
    await page.getByRole('button', { name: 'Use it' }).click();
    expect(await page.getByRole('button', { name: 'Continue the merge' }).isDisabled()).toBe(true);
    await page.locator('button[data-take="ours"]').click();
    await poll(() => page.locator('section.conflict .state').textContent()).toBe('resolved: ours');
    expect(await page.locator('[role=status]').textContent()).toBe("Every conflict is resolved: continue the merge to apply it to main and record the merge commit.");
    expect(await page.locator('ol.plan pre.sql').allTextContents()).toEqual(['ALTER TABLE public.orders ADD COLUMN note text;']);
    await session.shot('merge-resolved');

    await page.getByRole('button', { name: 'Continue the merge' }).click();
    await poll(() => page.locator('h1').textContent()).toBe("merge branch 'hotfix' into main");
    expect(await page.locator('a.parent').count()).toBe(2);
    expect(await page.locator('dl.meta dd', { has: page.locator('a.parent') }).textContent()).toMatch(/^[0-9a-f]{12} \(main before the merge\) [0-9a-f]{12} \(merged in\)$/);
    const main = await log('main');
    expect(main.commits[0]!.message).toBe("merge branch 'hotfix' into main");
    await session.visit(`#/r/${db}/merge`, `Merges of ${db}`);
    expect(await page.locator('ul.merges').count()).toBe(0);
    expect(session.problems).toEqual([]);
  });
});
