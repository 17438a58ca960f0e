// A block's schema is read inside it, on the client's own connection, just
// before its COMMIT goes (DESIGN.md, Exactness). The case that needs it: a
// second session's DDL waits for the block's lock and runs the instant the
// block commits; a read after the commit could already see it, and the
// block's commit would record both changes. Read ahead, each commit records
// exactly its own. The client never sees pggit's queries: its settings,
// savepoints and replies are as without pggit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually } from './harness/activity.js';
import { freshDatabases } from './harness/history-check.js';
import { startTestProxy, type DefaultTestProxy } from './harness/proxy.js';
import { urlFor } from './harness/recorded-history.js';
import { connectStore, type HistoryStore } from '../src/store/index.js';
import { RawClient, serialize } from './harness/raw-client.js';

const APP = 'read_ahead_app';
const ROUNDS = 8;

let proxy: DefaultTestProxy;
let store: HistoryStore;
let a: pg.Client;
let b: pg.Client;
let watcher: pg.Client;

beforeAll(async () => {
  await freshDatabases([APP]);
  proxy = await startTestProxy();
  a = new pg.Client({ connectionString: proxy.url({ database: APP }), application_name: 'block' });
  b = new pg.Client({ connectionString: proxy.url({ database: APP }), application_name: 'waiter' });
  watcher = new pg.Client({ connectionString: urlFor(APP) });
  await Promise.all([a.connect(), b.connect(), watcher.connect()]);
  await a.query('CREATE TABLE contended (id int)');
  store = connectStore({ url: urlFor('pggit') });
});

afterAll(async () => {
  await Promise.all([a?.end(), b?.end(), watcher?.end()]);
  await proxy?.stop();
  await store?.pool.end();
});

interface Recorded {
  readonly id: string;
  readonly application: string;
  readonly statements: string[];
}

async function commitsSince(seq: number): Promise<Recorded[]> {
  const { rows } = await store.pool.query(
    `SELECT c.id, c.application_name AS application, c.statements FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
      WHERE r.name = $1 AND c.seq > $2 ORDER BY c.seq`,
    [APP, seq],
  );
  return rows;
}

async function lastSeq(): Promise<number> {
  const { rows } = await store.pool.query(`SELECT coalesce(max(c.seq), 0)::int AS seq FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1`, [APP]);
  return rows[0].seq;
}

/** The recorded definition of table `contended` at a commit. */
function contendedAt(commitId: string): Promise<string> {
  return contendedAtKey(commitId, 'contended');
}

/** The recorded definition of a table at a commit. */
async function contendedAtKey(commitId: string, table: string): Promise<string> {
  const tree = await store.treeAt(commitId);
  const key = [...tree.keys()].find((k) => k.includes(table) && k.startsWith('table'));
  if (key === undefined) throw new Error(`no table ${table} in ${[...tree.keys()].join(', ')}`);
  const definitions = await store.definitionsOf(new Map([[key, tree.get(key)!]]));
  return definitions.get(key) ?? '';
}

async function readsBeforeCommit(): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${proxy.serving.http!.port}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('pggit_snapshot_reads_total{read="before_commit"}'));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('the snapshot read before COMMIT', () => {
  it('keeps a block and the DDL that waited for its lock in two exact commits', async () => {
    await proxy.serving.recorder!.idle();
    const from = await lastSeq();
    const readsBefore = await readsBeforeCommit();
    for (let round = 0; round < ROUNDS; round++) {
      await a.query('BEGIN');
      await a.query(`ALTER TABLE contended ADD COLUMN a${round} int`);
      const waiting = b.query(`ALTER TABLE contended ADD COLUMN b${round} int`);
      await eventually(
        async () => (await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'waiter' AND wait_event_type = 'Lock'`)).rows[0].n,
        (n: number) => n === 1,
        'the second session to wait for the block',
      );
      await a.query('COMMIT');
      await waiting;
    }
    await proxy.serving.recorder!.idle();
    const commits = await commitsSince(from);
    expect(commits.map((c) => c.application)).toEqual(Array.from({ length: ROUNDS }, () => ['block', 'waiter']).flat());
    for (let round = 0; round < ROUNDS; round++) {
      const block = await contendedAt(commits[2 * round]!.id);
      const waiter = await contendedAt(commits[2 * round + 1]!.id);
      expect(block).toContain(`a${round} integer`);
      expect(block, `the block's commit of round ${round} holds only its own column`).not.toContain(`b${round} integer`);
      expect(waiter).toContain(`b${round} integer`);
    }
    expect(await readsBeforeCommit()).toBeGreaterThanOrEqual(readsBefore + ROUNDS);
  });

  it('leaves the client its settings, savepoints and replies', async () => {
    await a.query(`SET search_path = custom_path, public`);
    await a.query('BEGIN');
    await a.query(`SET LOCAL pggit.message = 'read ahead keeps my message'`);
    await a.query('CREATE TABLE ahead_one (id int)');
    await a.query('SAVEPOINT mine');
    await a.query('CREATE TABLE ahead_two (id int)');
    const commit = await a.query('COMMIT');
    expect(commit.command).toBe('COMMIT');
    expect((await a.query('SHOW search_path')).rows[0].search_path).toBe('custom_path, public');
    // The session goes on as usual: a query, and a savepoint name of ours free for the client's use.
    await a.query('BEGIN');
    await a.query('SAVEPOINT pggit_catalog_read');
    await a.query('ROLLBACK');
    expect((await a.query('SELECT 41 + 1 AS n')).rows).toEqual([{ n: 42 }]);
    await a.query('RESET search_path');
    await proxy.serving.recorder!.idle();
    const { rows } = await store.pool.query(
      `SELECT c.message, c.statements FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE r.name = $1 ORDER BY c.seq DESC LIMIT 1`,
      [APP],
    );
    expect(rows[0].message).toBe('read ahead keeps my message');
    expect(rows[0].statements).toEqual(['CREATE TABLE ahead_one (id int)', 'CREATE TABLE ahead_two (id int)']);
  });

  it('reads ahead of an extended-protocol COMMIT, whose client sees only its own replies', async () => {
    const raw = await RawClient.startup(proxy.proxy.port, 'postgres', APP);
    try {
      for (const sql of ['BEGIN', 'CREATE TABLE ahead_extended (id int)']) {
        const from = raw.received.length;
        raw.socket.write(serialize.query(sql));
        await raw.waitFor((m) => m.name === 'readyForQuery', from);
      }
      const readsBefore = await readsBeforeCommit();
      const from = raw.received.length;
      raw.socket.write(Buffer.concat([serialize.parse({ text: 'COMMIT' }), serialize.bind({}), serialize.execute({}), serialize.sync()]));
      await raw.waitFor((m) => m.name === 'readyForQuery', from);
      expect(raw.received.slice(from).map((m) => m.name)).toEqual(['parseComplete', 'bindComplete', 'commandComplete', 'readyForQuery']);
      expect(await readsBeforeCommit()).toBe(readsBefore + 1);
      await proxy.serving.recorder!.idle();
      const [last] = (await commitsSince((await lastSeq()) - 1));
      expect(last?.statements).toEqual(['CREATE TABLE ahead_extended (id int)']);
    } finally {
      raw.socket.end();
    }
  });

  it('records nothing for a COMMIT that fails after the read, and goes on recording', async () => {
    await a.query('CREATE TABLE parent_rows (id int PRIMARY KEY)');
    await proxy.serving.recorder!.idle();
    const from = await lastSeq();
    await a.query('BEGIN');
    await a.query('CREATE TABLE child_rows (parent int REFERENCES parent_rows DEFERRABLE INITIALLY DEFERRED)');
    await a.query('INSERT INTO child_rows VALUES (1)');
    // The deferred check fails at COMMIT, after the schema was read: the transaction rolls back.
    await expect(a.query('COMMIT')).rejects.toMatchObject({ code: '23503' });
    await a.query('CREATE TABLE after_the_failed_commit (id int)');
    await proxy.serving.recorder!.idle();
    const commits = await commitsSince(from);
    expect(commits.map((c) => c.statements)).toEqual([['CREATE TABLE after_the_failed_commit (id int)']]);
    expect((await watcher.query(`SELECT to_regclass('child_rows') AS oid`)).rows[0].oid).toBeNull();
  });

  it.each([
    ['a block', 'viewed', (sql: string) => a.query('BEGIN').then(() => a.query(sql)).then(() => a.query('COMMIT'))],
    // The COMMIT goes right behind the failed read's savepoint rollback: it must still commit the statement.
    ['an autocommit statement', 'viewed_alone', (sql: string) => a.query(sql)],
  ] as const)('reads %s after the commit when the read would wait for another session\'s lock', async (_form, viewed, run) => {
    await a.query(`CREATE TABLE ${viewed} (id int)`);
    await a.query(`CREATE VIEW ${viewed}_view AS SELECT id FROM ${viewed}`);
    await proxy.serving.recorder!.idle();
    const from = await lastSeq();
    const readsBefore = await readsBeforeCommit();
    const locker = new pg.Client({ connectionString: urlFor(APP) });
    await locker.connect();
    try {
      // The read reaches the view's definition, which waits for this lock (on the view alone: LOCK TABLE would take its table too).
      await locker.query('BEGIN');
      await locker.query(`ALTER VIEW ${viewed}_view ALTER COLUMN id SET DEFAULT 0`);
      // A comment locks the table only, not the view that the read reaches through it.
      const committed = run(`COMMENT ON TABLE ${viewed} IS 'commented'`);
      // The read before COMMIT gave up; the read after it waits for the lock like any read.
      await eventually(
        async () => (await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name <> 'block'`, [APP])).rows[0].n,
        (n: number) => n > 0,
        'the read after the commit to wait for the lock',
        5_000,
      );
      await locker.query('ROLLBACK');
      await committed;
    } finally {
      await locker.end();
    }
    await proxy.serving.recorder!.idle();
    const commits = await commitsSince(from);
    expect(commits.map((c) => c.statements)).toEqual([[`COMMENT ON TABLE ${viewed} IS 'commented'`]]);
    expect(await contendedAtKey(commits[0]!.id, viewed)).toContain('commented');
    expect((await watcher.query(`SELECT obj_description($1::regclass, 'pg_class') AS comment`, [viewed])).rows[0].comment).toBe('commented');
    expect(await readsBeforeCommit()).toBe(readsBefore);
  });

  it('runs one autocommit schema change in a block of its own, read before it commits', async () => {
    await a.query('CREATE TABLE slow_to_alter (id int)');
    await a.query('INSERT INTO slow_to_alter VALUES (1)');
    // Checking the new constraint on the one row takes a while, under the table's lock.
    await a.query(`CREATE FUNCTION slow_true(int) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN PERFORM pg_sleep(0.2); RETURN true; END$$`);
    await proxy.serving.recorder!.idle();
    const from = await lastSeq();
    const readsBefore = await readsBeforeCommit();
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const altered = a.query(`ALTER TABLE slow_to_alter ADD COLUMN a${round} int DEFAULT 0 CHECK (slow_true(a${round}))`);
      await eventually(
        async () => (await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'block' AND query LIKE 'ALTER TABLE slow_to_alter%' AND state = 'active'`)).rows[0].n,
        (n: number) => n === 1,
        'the first statement to run',
      );
      const waiting = b.query(`ALTER TABLE slow_to_alter ADD COLUMN b${round} int`);
      const result = await altered;
      expect(result.command).toBe('ALTER');
      await waiting;
    }
    await proxy.serving.recorder!.idle();
    const commits = await commitsSince(from);
    expect(commits.map((c) => c.application)).toEqual(Array.from({ length: rounds }, () => ['block', 'waiter']).flat());
    for (let round = 0; round < rounds; round++) {
      const first = await contendedAtKey(commits[2 * round]!.id, 'slow_to_alter');
      expect(first).toContain(`a${round} integer`);
      expect(first, `round ${round}: the first commit holds only its own column`).not.toContain(`b${round} integer`);
      expect(await contendedAtKey(commits[2 * round + 1]!.id, 'slow_to_alter')).toContain(`b${round} integer`);
    }
    expect(await readsBeforeCommit()).toBeGreaterThanOrEqual(readsBefore + rounds);
    // Autocommit as the client knows it: no transaction open after the statement.
    expect((await a.query('SELECT now() = statement_timestamp() AS fresh')).rows[0].fresh).toBe(true);
  });

  it('gives the client of an autocommit change exactly the replies autocommit gives, and its notifications', async () => {
    // An event trigger notifies at every schema change: delivered when the block pggit ran the statement in commits.
    await a.query(`CREATE FUNCTION notify_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN PERFORM pg_notify('ddl_done', tg_tag); END$$`);
    await a.query(`CREATE EVENT TRIGGER notify_ddl ON ddl_command_end EXECUTE FUNCTION notify_ddl()`);
    const raw = await RawClient.startup(proxy.proxy.port, 'postgres', APP);
    try {
      let from = raw.received.length;
      raw.socket.write(serialize.query('LISTEN ddl_done'));
      await raw.waitFor((m) => m.name === 'readyForQuery', from);
      const readsBefore = await readsBeforeCommit();
      from = raw.received.length;
      raw.socket.write(serialize.query('CREATE TABLE replies_exact (id int)'));
      await raw.waitFor((m) => m.name === 'readyForQuery', from);
      const replies = raw.received.slice(from);
      expect(replies.map((m) => m.name)).toEqual(['commandComplete', 'notification', 'readyForQuery']);
      expect((replies[1] as unknown as { payload: string }).payload).toBe('CREATE TABLE');
      expect((replies[2] as unknown as { status: string }).status).toBe('I');
      expect(await readsBeforeCommit()).toBe(readsBefore + 1);
    } finally {
      raw.socket.end();
      await a.query('DROP EVENT TRIGGER notify_ddl');
      await a.query('DROP FUNCTION notify_ddl()');
      await proxy.serving.recorder!.idle();
    }
  });

  it('goes on recording when a client leaves while its autocommit statement\'s COMMIT runs', async () => {
    // A COMMIT that takes a while: a deferred trigger, armed by an event trigger at the statement, sleeps in it.
    await a.query('CREATE TABLE commit_marks (id int)');
    await a.query(`CREATE FUNCTION sleep_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN PERFORM pg_sleep(1); RETURN NULL; END$$`);
    await a.query('CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON commit_marks DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sleep_at_commit()');
    await a.query(`CREATE FUNCTION mark_commit() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN
      IF EXISTS (SELECT FROM pg_event_trigger_ddl_commands() WHERE object_identity LIKE '%left_mid_commit%') THEN INSERT INTO commit_marks VALUES (1); END IF; END$$`);
    await a.query('CREATE EVENT TRIGGER mark_commit ON ddl_command_end EXECUTE FUNCTION mark_commit()');
    await proxy.serving.recorder!.idle();
    const from = await lastSeq();
    const raw = await RawClient.startup(proxy.proxy.port, 'postgres', APP);
    try {
      raw.socket.write(serialize.query('CREATE TABLE left_mid_commit (id int)'));
      await eventually(
        async () => (await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'COMMIT' AND state = 'active'`, [APP])).rows[0].n,
        (n: number) => n === 1,
        'pggit\'s COMMIT to run',
      );
    } finally {
      raw.socket.destroy();
    }
    await a.query('CREATE TABLE after_the_client_left (id int)');
    // The client's change is in the history (the COMMIT's answer came, or reconciliation read it), and recording goes on.
    await proxy.serving.recorder!.idle();
    await eventually(
      async () => (await watcher.query(`SELECT to_regclass('left_mid_commit') IS NOT NULL AS there`)).rows[0].there,
      (there: boolean) => there,
      'the COMMIT to have committed',
    );
    await proxy.serving.recorder!.scheduleReconcile(APP);
    await proxy.serving.recorder!.idle();
    const commits = await commitsSince(from);
    expect(commits.map((c) => c.statements)).toContainEqual(['CREATE TABLE after_the_client_left (id int)']);
    expect(await contendedAtKey(commits.at(-1)!.id, 'left_mid_commit')).toContain('left_mid_commit');
    await a.query('DROP EVENT TRIGGER mark_commit');
    await a.query('DROP FUNCTION mark_commit()');
    await proxy.serving.recorder!.idle();
  });

  it('gives an autocommit statement that fails its own error, and the session goes on', async () => {
    const from = await lastSeq();
    await expect(a.query('ALTER TABLE no_such_table ADD COLUMN x int')).rejects.toMatchObject({ code: '42P01' });
    // Statements that refuse a block keep running on their own.
    await a.query('CREATE INDEX CONCURRENTLY slow_to_alter_id ON slow_to_alter (id)');
    await a.query('CREATE TABLE after_the_error (id int)');
    expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await proxy.serving.recorder!.idle();
    expect((await commitsSince(from)).map((c) => c.statements)).toEqual([
      ['CREATE INDEX CONCURRENTLY slow_to_alter_id ON slow_to_alter (id)'],
      ['CREATE TABLE after_the_error (id int)'],
    ]);
  });

  it('prepares its statements on the session again after the client dropped them', async () => {
    const from = await lastSeq();
    const readsBefore = await readsBeforeCommit();
    await a.query('CREATE TABLE prepared_once (id int)');
    expect((await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'block'`)).rows[0].n).toBe(1);
    await a.query('DEALLOCATE ALL');
    // Its statements are gone: this read fails and the commit is read after it instead.
    await a.query('CREATE TABLE prepared_again (id int)');
    // Its COMMIT went right behind the failed read: the statement is committed all the same.
    expect((await watcher.query(`SELECT to_regclass('prepared_again') IS NOT NULL AS there`)).rows[0].there).toBe(true);
    // Prepared again: read before COMMIT as before.
    await a.query('CREATE TABLE read_ahead_again (id int)');
    await proxy.serving.recorder!.idle();
    expect((await commitsSince(from)).map((c) => c.statements)).toEqual([
      ['CREATE TABLE prepared_once (id int)'],
      ['CREATE TABLE prepared_again (id int)'],
      ['CREATE TABLE read_ahead_again (id int)'],
    ]);
    expect(await readsBeforeCommit()).toBe(readsBefore + 2);
  });
});
