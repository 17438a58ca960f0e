// --ddl-lock-timeout: a DDL statement stuck behind a long transaction is
// cancelled after the timeout instead of queueing every query on the table
// behind it; the client is told why, and other sessions' queries go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { NoticeMessage } from 'pg-protocol/dist/messages.js';
import { DEFAULT_GUARD_POLICY } from '../src/proxy/index.js';
import { startTestProxy, upstreamUrl, type DefaultTestProxy } from './harness/proxy.js';
import { eventually, uniqueAppName } from './harness/activity.js';

const TABLE = 'guard_lock_probe';
let proxy: DefaultTestProxy;
let direct: pg.Client;

beforeAll(async () => {
  direct = new pg.Client({ connectionString: upstreamUrl() });
  await direct.connect();
  await direct.query(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} AS SELECT g AS id FROM generate_series(1, 10) AS g`);
  proxy = await startTestProxy({ guard: { ...DEFAULT_GUARD_POLICY, lockTimeoutMs: 1_000 } });
});

afterAll(async () => {
  await proxy?.stop();
  await direct.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await direct.end();
});

describe('the DDL lock guard', () => {
  it('cancels DDL waiting behind a long transaction while that transaction still runs, and queued reads then go on', async () => {
    const holder = new pg.Client({ connectionString: upstreamUrl() });
    const reader = new pg.Client({ connectionString: upstreamUrl() });
    const application = uniqueAppName('guard-lock');
    const migrator = new pg.Client({ connectionString: proxy.url(), application_name: application });
    const notices: NoticeMessage[] = [];
    migrator.on('notice', (notice) => notices.push(notice));
    await Promise.all([holder.connect(), reader.connect(), migrator.connect()]);
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT count(*) FROM ${TABLE}`);
      let holderOpen = true;
      const ddl = migrator.query(`ALTER TABLE ${TABLE} ADD COLUMN extra int`).then(
        () => ({ failed: undefined, holderOpen }),
        (error: unknown) => ({ failed: error, holderOpen }),
      );
      await eventually(
        async () => (await direct.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [application])).rows[0].n,
        (n) => n === 1,
        'the ALTER TABLE to wait for its lock',
      );
      // Queued behind the ALTER's ACCESS EXCLUSIVE request: without the guard it would wait as long as the holder.
      const read = reader.query(`SELECT count(*)::int AS n FROM ${TABLE}`).then((result) => ({ n: result.rows[0].n as number, holderOpen }));
      const [outcome, readOutcome] = await Promise.all([ddl, read]);
      holderOpen = false;
      await holder.query('COMMIT');
      expect(outcome.holderOpen).toBe(true);
      expect(outcome.failed).toMatchObject({ code: '57014' });
      expect(notices.map((n) => n.message).join('\n')).toMatch(/pggit guard cancelled a DDL statement: it waited [\d.]+ s for AccessExclusiveLock on guard_lock_probe/);
      expect(notices[0]?.detail).toMatch(/Waiting behind: \d+ \(idle in transaction/);
      expect(readOutcome).toEqual({ n: 10, holderOpen: true });
      const columns = await direct.query("SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'extra'", [TABLE]);
      expect(columns.rows[0].n).toBe(0);
      // The session goes on.
      expect((await migrator.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await Promise.all([holder.end(), reader.end(), migrator.end()]);
    }
  });
});
