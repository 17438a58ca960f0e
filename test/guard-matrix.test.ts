// Every outage hazard the guard acts on, warned and denied, through each
// kind of client: psql, node-postgres (simple protocol), postgres.js
// (pipelined, extended protocol) and a JDBC-like client (unnamed
// Parse/Bind/Describe/Execute and one Sync). Each statement runs inside
// BEGIN ... ROLLBACK, so the cases leave the table as they found it; the
// guard treats every table as big here (--guard-min-rows 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import postgres from 'postgres';
import type { NoticeMessage } from 'pg-protocol/dist/messages.js';
import type { HazardKind } from '../src/plan/index.js';
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from '../src/proxy/index.js';
import { startTestProxy, upstreamUrl, type DefaultTestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';
import { RawClient, serialize } from './harness/raw-client.js';

const TABLE = 'guard_matrix';

/** One statement per outage hazard (the ones the guard acts on by default), each on TABLE. */
const CASES: ReadonlyArray<readonly [HazardKind, string]> = [
  ['DELETES_DATA', `ALTER TABLE ${TABLE} DROP COLUMN v`],
  ['TABLE_REWRITE', `ALTER TABLE ${TABLE} ALTER COLUMN v TYPE bigint`],
  ['ACCESS_EXCLUSIVE_LOCK', `LOCK TABLE ${TABLE} IN ACCESS EXCLUSIVE MODE`],
  ['SHARE_LOCK', `CREATE INDEX ${TABLE}_v ON ${TABLE} (v)`],
  ['VALIDATES_ROWS', `ALTER TABLE ${TABLE} ALTER COLUMN v SET NOT NULL`],
];

/** What a client saw of the statement: the guard's notice or error message, and the SQLSTATE. */
interface Seen {
  readonly code: string | undefined;
  readonly message: string;
}

type Client = (proxy: DefaultTestProxy, statement: string) => Promise<Seen>;

const CLIENTS: Record<string, Client> = {
  psql: async (proxy, statement) => {
    const result = await psql(proxy.url(), ['-v', 'ON_ERROR_STOP=1', '-c', 'BEGIN', '-c', statement, '-c', 'ROLLBACK']);
    const line = /(WARNING|ERROR): {2}(pggit guard .*)/.exec(result.stderr);
    // psql shows no SQLSTATE by default: the exit code says which it was.
    return { code: line?.[1] === 'ERROR' && result.code !== 0 ? 'PGG01' : line?.[1] === 'WARNING' && result.code === 0 ? '01PGG' : undefined, message: line?.[2] ?? result.stderr };
  },
  'node-postgres': async (proxy, statement) => {
    const client = new pg.Client({ connectionString: proxy.url() });
    const notices: NoticeMessage[] = [];
    client.on('notice', (notice) => notices.push(notice));
    await client.connect();
    try {
      await client.query('BEGIN');
      const failed = await client.query(statement).then(() => undefined, (error: { code?: string; message: string }) => error);
      await client.query('ROLLBACK');
      return failed ? { code: failed.code, message: failed.message } : { code: notices[0]?.code, message: notices[0]?.message ?? '' };
    } finally {
      await client.end();
    }
  },
  'postgres.js pipelined': async (proxy, statement) => {
    const notices: postgres.Notice[] = [];
    const sql = postgres(proxy.url(), { max: 1, onnotice: (notice) => void notices.push(notice) });
    try {
      const [, ran, rolledBack] = await Promise.allSettled([sql`BEGIN`, sql.unsafe(statement), sql`ROLLBACK`]);
      expect(rolledBack.status).toBe('fulfilled');
      if (ran!.status === 'rejected') {
        const error = ran!.reason as { code?: string; message: string };
        return { code: error.code, message: error.message };
      }
      return { code: notices[0]?.code as string | undefined, message: (notices[0]?.message as string | undefined) ?? '' };
    } finally {
      await sql.end();
    }
  },
  'JDBC-like extended': async (proxy, statement) => {
    const raw = await RawClient.startup(proxy.proxy.port);
    try {
      raw.socket.write(serialize.query('BEGIN'));
      await raw.waitUntil(() => raw.count('readyForQuery') === 2);
      const from = raw.received.length;
      raw.socket.write(Buffer.concat([serialize.parse({ text: statement }), serialize.bind(), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()]));
      await raw.waitUntil(() => raw.count('readyForQuery') === 3);
      const answer = raw.received.slice(from);
      raw.socket.write(serialize.query('ROLLBACK'));
      await raw.waitUntil(() => raw.count('readyForQuery') === 4);
      const guard = answer.find((m) => m.name === 'notice' || m.name === 'error') as unknown as { name: string; code: string; message: string } | undefined;
      if (guard?.name === 'notice') {
        // The warning comes before the statement's own CommandComplete.
        expect(answer.findIndex((m) => m.name === 'notice')).toBeLessThan(answer.findIndex((m) => m.name === 'commandComplete'));
      }
      return { code: guard?.code, message: guard?.message ?? answer.map((m) => m.name).join(',') };
    } finally {
      raw.end();
    }
  },
};

let direct: pg.Client;
let warning: DefaultTestProxy;
let denying: DefaultTestProxy;
const everyTableBig: GuardPolicy = { ...DEFAULT_GUARD_POLICY, minRows: 1 };

beforeAll(async () => {
  direct = new pg.Client({ connectionString: upstreamUrl() });
  await direct.connect();
  await direct.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await direct.query(`CREATE TABLE ${TABLE} AS SELECT g AS id, g % 7 AS v FROM generate_series(1, 1000) AS g`);
  await direct.query(`CREATE INDEX ${TABLE}_id ON ${TABLE} (id)`);
  await direct.query(`ANALYZE ${TABLE}`);
  [warning, denying] = await Promise.all([startTestProxy({ guard: everyTableBig }), startTestProxy({ guard: { ...everyTableBig, mode: 'deny' } })]);
});

afterAll(async () => {
  await Promise.all([warning?.stop(), denying?.stop()]);
  await direct.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await direct.end();
});

describe.each(Object.keys(CLIENTS))('the guard through %s', (clientName) => {
  const client = CLIENTS[clientName]!;

  it.each(CASES)('warns about %s and runs the statement', async (hazard, statement) => {
    const seen = await client(warning, statement);
    expect(seen.code).toBe('01PGG');
    expect(seen.message).toMatch(new RegExp(`^pggit guard warning: [A-Z_, ]*\\b${hazard}\\b[A-Z_, ]* on ${TABLE} `));
  });

  it.each(CASES)('denies %s with PGG01', async (hazard, statement) => {
    const seen = await client(denying, statement);
    expect(seen.code).toBe('PGG01');
    expect(seen.message).toMatch(new RegExp(`^pggit guard denied: [A-Z_, ]*\\b${hazard}\\b[A-Z_, ]* on ${TABLE} `));
  });

  it('lets DROP INDEX through without a word even when denying (INDEX_DROPPED is not an outage hazard unless overridden)', async () => {
    const seen = await client(denying, `DROP INDEX ${TABLE}_id`);
    expect(seen.code).toBeUndefined();
    expect(seen.message).not.toMatch(/pggit guard/);
  });
});
