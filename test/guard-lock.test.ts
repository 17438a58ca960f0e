// --ddl-lock-timeout: a DDL statement stuck behind a long transaction is
// stopped after the timeout instead of queueing every query on the table
// behind it; the client gets lock_timeout's own SQLSTATE (55P03) with the
// guard's explanation and PostgreSQL's transaction semantics, and other
// sessions' queries go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
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

interface Blocked {
  readonly migrator: pg.Client;
  readonly application: string;
  /** Resolves when the migrator's statement is waiting for its lock. */
  waiting(): Promise<unknown>;
  /** True while the holder's transaction is still open. */
  holderOpen(): boolean;
  end(): Promise<void>;
}

/** A direct session holding ACCESS SHARE on the table in an open transaction, and a migrator through the proxy. */
async function blocked(): Promise<Blocked> {
  const holder = new pg.Client({ connectionString: upstreamUrl() });
  const application = uniqueAppName('guard-lock');
  const migrator = new pg.Client({ connectionString: proxy.url(), application_name: application });
  await Promise.all([holder.connect(), migrator.connect()]);
  await holder.query('BEGIN');
  await holder.query(`SELECT count(*) FROM ${TABLE}`);
  let open = true;
  return {
    migrator,
    application,
    waiting: () =>
      eventually(
        async () => (await direct.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [application])).rows[0].n,
        (n) => n === 1,
        'the DDL to wait for its lock',
      ),
    holderOpen: () => open,
    end: async () => {
      open = false;
      await holder.query('COMMIT');
      await Promise.all([holder.end(), migrator.end()]);
    },
  };
}

async function hasColumn(column: string): Promise<boolean> {
  const columns = await direct.query('SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2', [TABLE, column]);
  return columns.rows[0].n === 1;
}

describe('the DDL lock guard', () => {
  it('stops DDL waiting behind a long transaction with 55P03 while that transaction still runs, and queued reads then go on', async () => {
    const session = await blocked();
    const reader = new pg.Client({ connectionString: upstreamUrl() });
    await reader.connect();
    try {
      const ddl = session.migrator.query(`ALTER TABLE ${TABLE} ADD COLUMN extra int`).then(
        () => ({ failed: undefined, holderOpen: session.holderOpen() }),
        (error: unknown) => ({ failed: error, holderOpen: session.holderOpen() }),
      );
      await session.waiting();
      // Queued behind the ALTER's ACCESS EXCLUSIVE request: without the guard it would wait as long as the holder.
      const read = reader.query(`SELECT count(*)::int AS n FROM ${TABLE}`).then((result) => ({ n: result.rows[0].n as number, holderOpen: session.holderOpen() }));
      const [outcome, readOutcome] = await Promise.all([ddl, read]);
      expect(outcome.holderOpen).toBe(true);
      expect(outcome.failed).toMatchObject({ code: '55P03', severity: 'ERROR' });
      const error = outcome.failed as pg.DatabaseError;
      expect(error.message).toMatch(/^canceling statement due to lock timeout: pggit guard stopped a DDL statement that waited [\d.]+ s for AccessExclusiveLock on public\.guard_lock_probe \(--ddl-lock-timeout 1 s\)/);
      expect(error.detail).toMatch(/^Waiting behind: \d+ \(idle in transaction, SELECT count\(\*\) FROM guard_lock_probe\)/);
      expect(readOutcome).toEqual({ n: 10, holderOpen: true });
      expect(await hasColumn('extra')).toBe(false);
      // The session goes on.
      expect((await session.migrator.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await Promise.all([session.end(), reader.end()]);
    }
  });

  it('inside BEGIN (extended protocol) aborts the transaction as lock_timeout would, and leaves the client its own lock_timeout', async () => {
    const session = await blocked();
    const { migrator } = session;
    try {
      await migrator.query("SET lock_timeout = '7s'");
      await migrator.query('BEGIN');
      await migrator.query(`CREATE TABLE guard_lock_made (n int)`);
      const ddl = migrator.query({ name: 'guard_lock_alter', text: `ALTER TABLE ${TABLE} ADD COLUMN inside int` }).catch((error: unknown) => error);
      await session.waiting();
      expect(await ddl).toMatchObject({ code: '55P03' });
      expect(session.holderOpen()).toBe(true);
      await expect(migrator.query('SELECT $1::int AS n', [1])).rejects.toMatchObject({ code: '25P02' });
      expect((await migrator.query('COMMIT')).command).toBe('ROLLBACK');
      expect((await migrator.query('SHOW lock_timeout')).rows[0].lock_timeout).toBe('7s');
      expect((await direct.query("SELECT to_regclass('guard_lock_made') AS t")).rows[0].t).toBeNull();
      expect(await hasColumn('inside')).toBe(false);
    } finally {
      await session.end();
    }
  });

  it('lets DDL that gets its lock in time run', async () => {
    const migrator = new pg.Client({ connectionString: proxy.url() });
    await migrator.connect();
    try {
      await migrator.query(`ALTER TABLE ${TABLE} ADD COLUMN quick int`);
      expect(await hasColumn('quick')).toBe(true);
      await migrator.query(`ALTER TABLE ${TABLE} DROP COLUMN quick`);
    } finally {
      await migrator.end();
    }
  });
});
