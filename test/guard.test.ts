// The zero-downtime guard through real clients and the real server: warnings
// reach node-postgres and psql before the statement's result, denials come
// with the server's own transaction semantics (simple and extended protocol,
// inside and outside BEGIN), the override and the exemptions let a statement
// through, and small tables pass without a word.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import type { NoticeMessage } from 'pg-protocol/dist/messages.js';
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from '../src/proxy/index.js';
import { startTestProxy, upstreamUrl, type DefaultTestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';
import { eventually } from './harness/activity.js';
import { RawClient, serialize } from './harness/raw-client.js';

const BIG = 'guard_big';
const SMALL = 'guard_small';

let direct: pg.Client;
let warning: DefaultTestProxy;
let denying: DefaultTestProxy;

const denyPolicy: GuardPolicy = { ...DEFAULT_GUARD_POLICY, mode: 'deny', allowApplications: new Set(['migrator']), allowRoles: new Set(['guard_exempt_role']) };

beforeAll(async () => {
  direct = new pg.Client({ connectionString: upstreamUrl() });
  await direct.connect();
  await direct.query(`DROP TABLE IF EXISTS ${BIG}, ${SMALL}, guard_made_in_tx, guard_made_before`);
  await direct.query(`CREATE TABLE ${BIG} AS SELECT g AS id, g % 100 AS v FROM generate_series(1, 150000) AS g`);
  await direct.query(`ANALYZE ${BIG}`);
  await direct.query(`CREATE TABLE ${SMALL} AS SELECT g AS id, g AS v FROM generate_series(1, 10) AS g`);
  await direct.query(`ANALYZE ${SMALL}`);
  [warning, denying] = await Promise.all([startTestProxy(), startTestProxy({ guard: denyPolicy })]);
});

afterAll(async () => {
  await Promise.all([warning?.stop(), denying?.stop()]);
  await direct.query(`DROP TABLE IF EXISTS ${BIG}, ${SMALL}`);
  await direct.end();
});

async function connect(proxy: DefaultTestProxy, application?: string, role?: string): Promise<{ client: pg.Client; notices: NoticeMessage[] }> {
  const url = new URL(proxy.url());
  if (role !== undefined) {
    url.username = role;
    url.password = '';
  }
  const client = new pg.Client({ connectionString: url.toString(), ...(application ? { application_name: application } : {}) });
  const notices: NoticeMessage[] = [];
  client.on('notice', (notice) => notices.push(notice));
  await client.connect();
  return { client, notices };
}

async function columnType(table: string, column: string): Promise<string> {
  const result = await direct.query('SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2', [table, column]);
  return result.rows[0].t;
}

describe('guard warn (the default)', () => {
  it('sends node-postgres a WARNING naming hazard, table, size, lock and safer form, then runs the statement', async () => {
    const { client, notices } = await connect(warning);
    try {
      await client.query('BEGIN');
      const result = await client.query(`CREATE INDEX guard_big_v ON ${BIG} (v)`);
      expect(result.command).toBe('CREATE');
      expect(notices).toHaveLength(1);
      const notice = notices[0]!;
      expect(notice.severity).toBe('WARNING');
      expect(notice.code).toBe('01PGG');
      expect(notice.message).toMatch(/SHARE_LOCK on guard_big \(150,000 rows, [\d.]+ MB\), lock SHARE/);
      expect(notice.hint).toContain('CREATE INDEX CONCURRENTLY');
      const inside = await client.query("SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'guard_big_v'");
      expect(inside.rows[0].n).toBe(1);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('lets small tables and tables made in the same transaction pass without a word', async () => {
    const { client, notices } = await connect(warning);
    try {
      await client.query('BEGIN');
      await client.query(`ALTER TABLE ${SMALL} ALTER COLUMN v TYPE bigint`);
      await client.query('CREATE TABLE guard_made_in_tx AS SELECT g FROM generate_series(1, 10) AS g');
      await client.query('DROP TABLE guard_made_in_tx');
      await client.query('ROLLBACK');
      expect(notices).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('warns postgres.js in a pipeline and every query gets its own answer', async () => {
    const notices: postgres.Notice[] = [];
    const sql = postgres(warning.url(), { max: 1, onnotice: (notice) => void notices.push(notice) });
    try {
      const [, , created, , after] = await Promise.all([
        sql`BEGIN`,
        sql`SELECT 1`,
        sql.unsafe(`CREATE INDEX guard_pipelined ON ${BIG} (v)`),
        sql`ROLLBACK`,
        sql`SELECT 2 AS n`,
      ]);
      expect(created.command).toBe('CREATE INDEX');
      expect(after[0]?.n).toBe(2);
      expect(notices.map((notice) => notice.message)).toEqual([expect.stringMatching(/^pggit guard warning: SHARE_LOCK on guard_big/)]);
    } finally {
      await sql.end();
    }
  });

  it('shows psql the warning before the command tag', async () => {
    const result = await psql(warning.url(), ['-v', 'ON_ERROR_STOP=1', '-c', `BEGIN; ALTER TABLE ${BIG} ADD CONSTRAINT guard_v_check CHECK (v >= 0); ROLLBACK`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/WARNING:  pggit guard warning: VALIDATES_ROWS, ACCESS_EXCLUSIVE_LOCK on guard_big \(150,000 rows/);
    expect(result.stdout).toContain('ALTER TABLE');
  });
});

describe('guard and the client session search_path', () => {
  beforeAll(async () => {
    await direct.query('DROP SCHEMA IF EXISTS guard_app CASCADE; CREATE SCHEMA guard_app; DROP TABLE IF EXISTS public.guard_sp');
    await direct.query('CREATE TABLE guard_app.guard_sp AS SELECT g AS id, g % 100 AS v FROM generate_series(1, 150000) AS g; ANALYZE guard_app.guard_sp');
    await direct.query('CREATE TABLE public.guard_sp AS SELECT g AS id, g AS v FROM generate_series(1, 10) AS g; ANALYZE public.guard_sp');
  });

  afterAll(async () => {
    await direct.query('DROP SCHEMA IF EXISTS guard_app CASCADE; DROP TABLE IF EXISTS public.guard_sp');
  });

  /** The warnings one CREATE INDEX on guard_sp gets, run in a transaction rolled back, after `before`. */
  async function warningsAfter(client: pg.Client, notices: NoticeMessage[], before: string[]): Promise<string[]> {
    notices.length = 0;
    for (const sql of before) await client.query(sql);
    await client.query('BEGIN');
    await client.query('CREATE INDEX ON guard_sp (v)');
    await client.query('ROLLBACK');
    return notices.map((notice) => notice.message ?? '');
  }

  it('sizes the table the session path names (SET, SET LOCAL, RESET, in one Query with the DDL), not the one the proxy would find', async () => {
    const { client, notices } = await connect(warning);
    try {
      const big = [expect.stringMatching(/^pggit guard warning: SHARE_LOCK on guard_sp \(150,000 rows/)];
      expect(await warningsAfter(client, notices, [])).toEqual([]);
      expect(await warningsAfter(client, notices, ['SET search_path = guard_app, public'])).toEqual(big);
      expect(await warningsAfter(client, notices, ['RESET search_path'])).toEqual([]);
      notices.length = 0;
      await client.query('BEGIN; SET LOCAL search_path = guard_app; CREATE INDEX ON guard_sp (v); ROLLBACK');
      expect(notices.map((notice) => notice.message)).toEqual(big);
      // SET LOCAL ended with its transaction.
      expect(await warningsAfter(client, notices, [])).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("takes the role's default path in the database when the session never set one", async () => {
    await direct.query('DROP ROLE IF EXISTS guard_sp_role; CREATE ROLE guard_sp_role LOGIN SUPERUSER');
    await direct.query('ALTER ROLE guard_sp_role IN DATABASE ' + (await direct.query('SELECT current_database() AS d')).rows[0].d + ' SET search_path = guard_app');
    const { client, notices } = await connect(warning, undefined, 'guard_sp_role');
    try {
      expect(await warningsAfter(client, notices, [])).toEqual([expect.stringMatching(/^pggit guard warning: SHARE_LOCK on guard_sp \(150,000 rows/)]);
    } finally {
      await client.end();
      await direct.query('DROP ROLE guard_sp_role');
    }
  });

  it('takes the path from the startup options', async () => {
    const client = new pg.Client({ connectionString: warning.url(), options: '-c search_path=guard_app' });
    const notices: NoticeMessage[] = [];
    client.on('notice', (notice) => notices.push(notice));
    await client.connect();
    try {
      expect(await warningsAfter(client, notices, [])).toEqual([expect.stringMatching(/^pggit guard warning: SHARE_LOCK on guard_sp \(150,000 rows/)]);
    } finally {
      await client.end();
    }
  });
});

describe('guard deny', () => {
  it('refuses a statement outside a transaction with its own SQLSTATE; nothing ran', async () => {
    const { client } = await connect(denying);
    try {
      const refused = await client.query(`ALTER TABLE ${BIG} ALTER COLUMN v TYPE bigint`).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'PGG01', severity: 'ERROR' });
      expect((refused as Error).message).toMatch(/^pggit guard denied: TABLE_REWRITE, ACCESS_EXCLUSIVE_LOCK on guard_big/);
      expect(await columnType(BIG, 'v')).toBe('integer');
      expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('leaves a transaction block aborted, and COMMIT rolls back what came before', async () => {
    const { client } = await connect(denying);
    try {
      await client.query('BEGIN');
      await client.query('CREATE TABLE guard_made_in_tx (n int)');
      await expect(client.query(`CREATE INDEX ON ${BIG} (v)`)).rejects.toMatchObject({ code: 'PGG01' });
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      const commit = await client.query('COMMIT');
      expect(commit.command).toBe('ROLLBACK');
      const made = await direct.query("SELECT to_regclass('guard_made_in_tx') AS t");
      expect(made.rows[0].t).toBeNull();
    } finally {
      await client.end();
    }
  });

  it('stops the rest of a multi-statement Query and rolls back its implicit transaction', async () => {
    const { client } = await connect(denying);
    try {
      await expect(client.query(`CREATE TABLE guard_made_before (n int); DROP TABLE ${BIG}; CREATE TABLE guard_made_after (n int)`)).rejects.toMatchObject({ code: 'PGG01' });
      const left = await direct.query(`SELECT to_regclass('guard_made_before') AS before, to_regclass('guard_made_after') AS after, to_regclass('${BIG}') AS big`);
      expect(left.rows[0]).toEqual({ before: null, after: null, big: BIG });
    } finally {
      await client.end();
    }
  });

  it('refuses an extended-protocol statement at Execute and keeps the session in sync', async () => {
    const { client } = await connect(denying);
    try {
      const named = { name: 'guard_named', text: `ALTER TABLE ${BIG} ALTER COLUMN v SET NOT NULL` };
      await expect(client.query(named)).rejects.toMatchObject({ code: 'PGG01' });
      const parameters = await client.query('SELECT $1::int + 1 AS n', [41]);
      expect(parameters.rows[0].n).toBe(42);
      await client.query('BEGIN');
      await expect(client.query({ text: `TRUNCATE ${BIG}`, values: [] , name: 'guard_truncate' })).rejects.toMatchObject({ code: 'PGG01' });
      await expect(client.query('SELECT $1::int AS n', [1])).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK');
      const count = await direct.query(`SELECT count(*)::int AS n FROM ${BIG}`);
      expect(count.rows[0].n).toBe(150000);
    } finally {
      await client.end();
    }
  });

  it('denies a statement that reaches the proxy in several reads (a long one, or one written in pieces)', async () => {
    const raw = await RawClient.startup(denying.proxy.port);
    try {
      const long = serialize.query(`CREATE INDEX ON ${BIG} (v) /* ${'x'.repeat(300_000)} */`);
      const bytes = Buffer.concat([long, serialize.query(`DROP TABLE ${BIG}`), serialize.query('SELECT 1')]);
      // Pieces cut inside a header, inside a body, and between messages; each write is flushed before the next.
      const cuts = [3, 70_000, long.length - 2, long.length + 2, long.length + 9, bytes.length];
      let at = 0;
      for (const cut of cuts) {
        await new Promise<void>((resolve) => raw.socket.write(bytes.subarray(at, cut), () => resolve()));
        at = cut;
      }
      await raw.waitUntil(() => raw.count('readyForQuery') === 4);
      const answers = raw.received.slice(-8).map((m) => (m.name === 'error' ? `error ${(m as unknown as { code: string }).code}` : m.name));
      expect(answers).toEqual(['error PGG01', 'readyForQuery', 'error PGG01', 'readyForQuery', 'rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
      const indexes = await direct.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = '${BIG}'`);
      expect(indexes.rows[0].n).toBe(0);
    } finally {
      raw.end();
    }
  });

  it('shows psql the error and stops a script', async () => {
    const result = await psql(denying.url(), ['-v', 'ON_ERROR_STOP=1', '-c', `VACUUM FULL ${BIG}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/ERROR:  pggit guard denied: TABLE_REWRITE, ACCESS_EXCLUSIVE_LOCK on guard_big/);
    expect(result.stderr).toMatch(/HINT:  Safer:/);
  });

  it('lets a statement through with SET LOCAL pggit.allow, and for an exempted application', async () => {
    const { client } = await connect(denying);
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL pggit.allow = 'TABLE_REWRITE, ACCESS_EXCLUSIVE_LOCK'");
      await client.query(`ALTER TABLE ${BIG} ALTER COLUMN v TYPE bigint`);
      expect((await client.query("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'guard_big'::regclass AND attname = 'v'")).rows[0].t).toBe('bigint');
      await client.query('ROLLBACK');
      // The allowance ended with its transaction.
      await expect(client.query(`ALTER TABLE ${BIG} ALTER COLUMN v TYPE bigint`)).rejects.toMatchObject({ code: 'PGG01' });
    } finally {
      await client.end();
    }
    const migrator = await connect(denying, 'migrator');
    try {
      await migrator.client.query('BEGIN');
      await migrator.client.query(`CREATE INDEX ON ${BIG} (v)`);
      await migrator.client.query('ROLLBACK');
      expect(migrator.notices).toEqual([]);
    } finally {
      await migrator.client.end();
    }
  });

  it('lets an exempted role through without a word', async () => {
    await direct.query('DROP ROLE IF EXISTS guard_exempt_role; CREATE ROLE guard_exempt_role LOGIN SUPERUSER');
    const { client, notices } = await connect(denying, undefined, 'guard_exempt_role');
    try {
      await client.query('BEGIN');
      expect((await client.query(`ALTER TABLE ${BIG} ALTER COLUMN v TYPE bigint`)).command).toBe('ALTER');
      await client.query('ROLLBACK');
      expect(notices).toEqual([]);
    } finally {
      await client.end();
      await direct.query('DROP ROLE guard_exempt_role');
    }
  });

  it('keeps postgres.js in sync when a denied statement sits in the middle of a pipeline', async () => {
    const notices: postgres.Notice[] = [];
    const sql = postgres(denying.url(), { max: 1, onnotice: (notice) => void notices.push(notice) });
    try {
      const before = sql`SELECT 1 AS n`;
      const denied = sql.unsafe(`CREATE INDEX ON ${BIG} (v)`).then(() => 'ran', (error: { code?: string }) => error.code);
      const after = sql`SELECT 2 AS n`;
      const small = sql.unsafe(`CREATE INDEX guard_small_v ON ${SMALL} (v)`);
      const [one, code, two] = await Promise.all([before, denied, after, small]);
      expect([one[0]?.n, code, two[0]?.n]).toEqual([1, 'PGG01', 2]);
      await sql.unsafe('DROP INDEX guard_small_v');
      expect(notices).toEqual([]);
    } finally {
      await sql.end();
    }
  });

  it('records the allowance in the commit of its transaction', async () => {
    const { client } = await connect(denying);
    const store = new pg.Client({ connectionString: upstreamUrl().replace(/\/[^/?]*(\?|$)/, '/pggit$1') });
    await store.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL pggit.allow = 'DELETES_DATA, ACCESS_EXCLUSIVE_LOCK'");
      await client.query('CREATE TABLE guard_allowed_probe (n int)');
      await client.query('COMMIT');
      const message = await eventually(
        async () => (await store.query("SELECT message FROM pggit.commits WHERE 'CREATE TABLE guard_allowed_probe (n int)' = ANY (statements)")).rows[0]?.message as string | undefined,
        (found) => found !== undefined,
        'the commit of the allowed transaction',
      );
      expect(message).toMatch(/\n\npggit-guard-allowed: DELETES_DATA, ACCESS_EXCLUSIVE_LOCK$/);
    } finally {
      await client.query('DROP TABLE IF EXISTS guard_allowed_probe');
      await Promise.all([client.end(), store.end()]);
    }
  });

  it('records the allowance of a prepared transaction in the commit that COMMIT PREPARED makes', async () => {
    const { client } = await connect(denying);
    const other = await connect(denying);
    const store = new pg.Client({ connectionString: upstreamUrl().replace(/\/[^/?]*(\?|$)/, '/pggit$1') });
    await store.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL pggit.allow = 'SHARE_LOCK'");
      await client.query(`CREATE INDEX guard_prepared_v ON ${BIG} (v)`);
      await client.query("PREPARE TRANSACTION 'guard_prepared'");
      // The allowance ended with the prepared transaction.
      await expect(client.query(`CREATE INDEX guard_unallowed_v ON ${BIG} (v)`)).rejects.toMatchObject({ code: 'PGG01' });
      await other.client.query("COMMIT PREPARED 'guard_prepared'");
      const message = await eventually(
        async () => (await store.query(`SELECT message FROM pggit.commits WHERE 'CREATE INDEX guard_prepared_v ON ${BIG} (v)' = ANY (statements)`)).rows[0]?.message as string | undefined,
        (found) => found !== undefined,
        'the commit of the prepared transaction',
      );
      expect(message).toMatch(/\n\npggit-guard-allowed: SHARE_LOCK$/);
    } finally {
      await direct.query("SELECT gid FROM pg_prepared_xacts WHERE gid = 'guard_prepared'").then((r) => (r.rows.length > 0 ? direct.query("ROLLBACK PREPARED 'guard_prepared'") : undefined));
      await direct.query('DROP INDEX IF EXISTS guard_prepared_v');
      await Promise.all([client.end(), other.client.end(), store.end()]);
    }
  });

  it('counts what it warned about and denied in pggit_guard_hazards_total', async () => {
    const http = denying.serving.http!;
    const text = await (await fetch(`http://${http.host}:${http.port}/metrics`)).text();
    const denied = /pggit_guard_hazards_total\{hazard="TABLE_REWRITE",action="deny"\} (\d+)/.exec(text);
    expect(Number(denied?.[1])).toBeGreaterThanOrEqual(2);
  });
});
