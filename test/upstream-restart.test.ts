// The upstream server restarts under a session: the session gets the
// server's own error, connections while it is down get 08001, and new
// sessions work as soon as it is back, without restarting pggit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chown } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { LocalCluster, serverUser } from '../src/cluster/index.js';
import { upstreamFromUrl } from '../src/proxy/index.js';
import { eventually } from './harness/activity.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';

let baseDir: string;
let server: LocalCluster;
let proxy: TestProxy;

const start = (port?: number): Promise<LocalCluster> =>
  LocalCluster.start({ dataDir: join(baseDir, 'data'), settings: { fsync: 'off' }, ...(port === undefined ? {} : { port }) });

beforeAll(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'pggit-restart-'));
  const user = await serverUser();
  if (user.switched) await chown(baseDir, user.uid, user.gid);
  server = await start();
  proxy = await startTestProxy({ upstream: upstreamFromUrl(server.url()) });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
});

async function query(client: pg.Client): Promise<unknown> {
  return (await client.query('SELECT 1 AS one')).rows;
}

describe('upstream restart', () => {
  it('ends open sessions with the server error, refuses with 08001 while down, serves again once back', async () => {
    const open = new pg.Client({ connectionString: proxy.url() });
    const errors: Array<{ code?: string }> = [];
    open.on('error', (error) => errors.push(error as { code?: string }));
    await open.connect();
    expect(await query(open)).toEqual([{ one: 1 }]);

    const port = server.port;
    await server.stop();
    // Fast shutdown: the server tells its sessions 57P01 before it goes.
    await eventually(async () => errors.length, (n) => n > 0, 'the open session to hear of the shutdown');
    expect(errors[0]?.code).toBe('57P01');
    await eventually(async () => proxy.proxy.sessionCount, (n) => n === 0, 'the session to end');

    const down = new pg.Client({ connectionString: proxy.url() });
    await expect(down.connect()).rejects.toMatchObject({ code: '08001' });

    server = await start(port);
    const again = new pg.Client({ connectionString: proxy.url() });
    await again.connect();
    expect(await query(again)).toEqual([{ one: 1 }]);
    await again.end();
    await open.end().catch(() => undefined);
  });
});
