// The guard and extended-protocol clients that talk like pgjdbc: unnamed and
// named statements, Describe of a statement before Bind and of a portal
// before Execute, a batch of Parse/Bind/Describe/Execute with one Sync at the
// end. The same frames go directly to PostgreSQL, in a database where an
// event trigger refuses the same DDL with the same SQLSTATE: whatever the
// server would answer if it refused the statement itself, the client must
// get through the proxy, message for message (the replies in order, the
// rest of the batch skipped until Sync, ReadyForQuery's transaction status).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { DEFAULT_GUARD_POLICY } from '../src/proxy/index.js';
import { startTestProxy, upstreamUrl, type DefaultTestProxy } from './harness/proxy.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';
import { RawClient } from './harness/raw-client.js';

const TABLES = `
CREATE TABLE big AS SELECT g AS id, g % 100 AS v FROM generate_series(1, 150000) AS g;
ANALYZE big;
CREATE TABLE t (n int);`;

/** The server refuses the DDL itself, at Execute, with the guard's SQLSTATE. */
const REFUSE = `
CREATE FUNCTION refuse() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'refused by the server' USING ERRCODE = 'PGG01'; END $$;
CREATE EVENT TRIGGER refuse ON ddl_command_start WHEN TAG IN ('ALTER TABLE', 'CREATE INDEX') EXECUTE FUNCTION refuse();`;

let throughProxy: ScratchDatabase;
let refusing: ScratchDatabase;
let denying: DefaultTestProxy;
let warning: DefaultTestProxy;
const upstreamPort = Number(new URL(upstreamUrl()).port);

beforeAll(async () => {
  [throughProxy, refusing] = await Promise.all([createScratchDatabase('guard_ext'), createScratchDatabase('guard_ext_ref')]);
  await Promise.all([throughProxy.runSql(TABLES), refusing.runSql(TABLES + REFUSE)]);
  [denying, warning] = await Promise.all([startTestProxy({ guard: { ...DEFAULT_GUARD_POLICY, mode: 'deny' } }), startTestProxy()]);
});

afterAll(async () => {
  await Promise.all([denying?.stop(), warning?.stop()]);
  await Promise.all([throughProxy?.drop(), refusing?.drop()]);
});

/** One message as the comparison sees it: its type and what matters of it. */
function summary(message: BackendMessage): string {
  const m = message as BackendMessage & { code?: string; text?: string; status?: string; fields?: unknown[] };
  switch (message.name) {
    case 'error':
    case 'notice':
      return `${message.name} ${m.code}`;
    case 'commandComplete':
      return `commandComplete ${m.text}`;
    case 'readyForQuery':
      return `readyForQuery ${m.status}`;
    case 'dataRow':
      return `dataRow ${m.fields!.join(',')}`;
    default:
      return message.name;
  }
}

const isSync = (frame: Buffer): boolean => frame[0] === 0x53 && frame.length === 5;

/** Sends each group of frames in one write and waits for its ReadyForQuerys; what came back, summarised. */
async function converse(port: number, database: string, groups: readonly (readonly Buffer[])[]): Promise<string[]> {
  const client = await RawClient.startup(port, new URL(upstreamUrl()).username || 'postgres', database);
  try {
    const from = client.received.length;
    let ready = client.count('readyForQuery');
    for (const frames of groups) {
      ready += frames.filter(isSync).length;
      client.socket.write(Buffer.concat(frames));
      await client.waitUntil(() => client.count('readyForQuery') === ready);
    }
    return client.received.slice(from).map(summary);
  } finally {
    client.end();
  }
}

/** pgjdbc's way to run one statement in a batch: unnamed statement and portal, Describe portal, Execute all rows. */
function statement(text: string): Buffer[] {
  return [serialize.parse({ text }), serialize.bind({}), serialize.describe({ type: 'P' }), serialize.execute({})];
}

const sync = serialize.sync();
const countT = [...statement('SELECT count(*) FROM t'), sync];

/** The same frames through the denying proxy and directly to the refusing server. */
async function bothWays(groups: readonly (readonly Buffer[])[]): Promise<{ proxied: string[]; direct: string[] }> {
  const [proxied, direct] = await Promise.all([converse(denying.proxy.port, throughProxy.name, groups), converse(upstreamPort, refusing.name, groups)]);
  return { proxied, direct };
}

describe('guard deny, extended protocol like pgjdbc', () => {
  it('a batch with one Sync and a denied DDL in the middle: what came before ran, the error comes in order, the rest is skipped, the implicit transaction rolls back', async () => {
    const { proxied, direct } = await bothWays([
      [...statement('INSERT INTO t VALUES (1)'), ...statement('ALTER TABLE big ALTER COLUMN v TYPE bigint'), ...statement('INSERT INTO t VALUES (2)'), sync],
      countT,
    ]);
    expect(proxied).toEqual(direct);
    expect(proxied).toEqual([
      ...['parseComplete', 'bindComplete', 'noData', 'commandComplete INSERT 0 1'],
      ...['parseComplete', 'bindComplete', 'noData', 'error PGG01'],
      'readyForQuery I',
      ...['parseComplete', 'bindComplete', 'rowDescription', 'dataRow 0', 'commandComplete SELECT 1', 'readyForQuery I'],
    ]);
  });

  it('inside BEGIN: the transaction is aborted (ReadyForQuery E) and COMMIT answers ROLLBACK', async () => {
    const { proxied, direct } = await bothWays([
      [...statement('BEGIN'), ...statement('INSERT INTO t VALUES (3)'), ...statement('CREATE INDEX ON big (v)'), ...statement('INSERT INTO t VALUES (4)'), sync],
      [...statement('SELECT 1'), sync],
      [...statement('COMMIT'), sync],
      countT,
    ]);
    expect(proxied).toEqual(direct);
    expect(proxied).toEqual([
      ...['parseComplete', 'bindComplete', 'noData', 'commandComplete BEGIN'],
      ...['parseComplete', 'bindComplete', 'noData', 'commandComplete INSERT 0 1'],
      ...['parseComplete', 'bindComplete', 'noData', 'error PGG01'],
      'readyForQuery E',
      ...['error 25P02', 'readyForQuery E'],
      ...['parseComplete', 'bindComplete', 'noData', 'commandComplete ROLLBACK', 'readyForQuery I'],
      ...['parseComplete', 'bindComplete', 'rowDescription', 'dataRow 0', 'commandComplete SELECT 1', 'readyForQuery I'],
    ]);
  });

  it('Describe statement before Bind, named and unnamed; the denial comes at Execute, in a later Sync group', async () => {
    const ddl = 'ALTER TABLE big ADD CONSTRAINT v_positive CHECK (v >= 0)';
    const { proxied, direct } = await bothWays([
      [serialize.parse({ name: 'S_1', text: ddl }), serialize.describe({ type: 'S', name: 'S_1' }), sync],
      [serialize.bind({ statement: 'S_1' }), serialize.describe({ type: 'P' }), serialize.execute({}), sync],
      [serialize.parse({ text: ddl }), serialize.describe({ type: 'S' }), serialize.bind({}), serialize.execute({}), sync],
      [serialize.close({ type: 'S', name: 'S_1' }), ...countT],
    ]);
    expect(proxied).toEqual(direct);
    expect(proxied).toEqual([
      ...['parseComplete', 'parameterDescription', 'noData', 'readyForQuery I'],
      ...['bindComplete', 'noData', 'error PGG01', 'readyForQuery I'],
      ...['parseComplete', 'parameterDescription', 'noData', 'bindComplete', 'error PGG01', 'readyForQuery I'],
      ...['closeComplete', 'parseComplete', 'bindComplete', 'rowDescription', 'dataRow 0', 'commandComplete SELECT 1', 'readyForQuery I'],
    ]);
  });

  it('a batch whose earlier statement failed skips the denied one like any other', async () => {
    const { proxied, direct } = await bothWays([[...statement('SELECT 1 / count(*)::int FROM t WHERE false'), ...statement('ALTER TABLE big ALTER COLUMN v TYPE text'), sync]]);
    expect(proxied).toEqual(direct);
    expect(proxied).toEqual(['parseComplete', 'bindComplete', 'rowDescription', 'error 22012', 'readyForQuery I']);
  });
});

describe('guard warn, extended protocol like pgjdbc', () => {
  it("sends the warning before the statement's own CommandComplete, and otherwise exactly what the server sends", async () => {
    const groups = [[...statement('BEGIN'), ...statement('SELECT 1'), ...statement('CREATE INDEX guard_ext_warned ON big (v)'), ...statement('ROLLBACK'), sync]];
    const [proxied, direct] = await Promise.all([converse(warning.proxy.port, throughProxy.name, groups), converse(upstreamPort, throughProxy.name, groups)]);
    const notice = proxied.indexOf('notice 01PGG');
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(notice).toBeLessThan(proxied.indexOf('commandComplete CREATE INDEX'));
    expect(proxied.filter((_, index) => index !== notice)).toEqual(direct);
    expect(direct).toContain('commandComplete CREATE INDEX');
  });
});
