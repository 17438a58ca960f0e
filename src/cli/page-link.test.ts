// Links to the running pggit's page, printed where the page shows more (a
// merge stopped on conflicts): only when the command uses that pggit's store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pageLink } from './page-link.js';
import { writeRunningState } from './state-file.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function running(http: string | null): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'pggit-link-'));
  dirs.push(dir);
  const env = { PGGIT_STATE_DIR: dir };
  await writeRunningState(env, {
    pid: process.pid, command: 'up', version: 'test', startedAt: new Date().toISOString(), connect: 'postgres://postgres@127.0.0.1:6432/postgres',
    listen: { host: '127.0.0.1', port: 6432 }, upstream: 'postgres://postgres@127.0.0.1:5999/postgres', store: 'postgres://postgres@127.0.0.1:5999/pggit', http, dataDir: null,
  });
  return env;
}

describe('pageLink', () => {
  it('points at the running pggit page, every part URL-encoded', async () => {
    const env = await running('http://127.0.0.1:9187');
    expect(await pageLink({}, env, 'shop', 'merge', 'release/1')).toBe('http://127.0.0.1:9187/#/r/shop/merge/release%2F1');
  });

  it('says nothing when a flag or variable names another store, or the running pggit serves no page', async () => {
    const env = await running('http://127.0.0.1:9187');
    expect(await pageLink({ store: 'postgres://elsewhere/pggit' }, env, 'shop', 'merge', 'main')).toBeUndefined();
    expect(await pageLink({ upstream: 'postgres://elsewhere/app' }, env, 'shop', 'merge', 'main')).toBeUndefined();
    expect(await pageLink({}, { ...env, PGGIT_STORE_URL: 'postgres://elsewhere/pggit' }, 'shop', 'merge', 'main')).toBeUndefined();
    expect(await pageLink({}, await running(null), 'shop', 'merge', 'main')).toBeUndefined();
  });
});
