// Parse/Bind/Execute/Sync x N written before reading anything: the proxy must
// forward all of it at once and return every reply in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataRowMessage } from 'pg-protocol/dist/messages.js';
import { RawClient, serialize } from './harness/raw-client.js';
import { startTestProxy, type TestProxy } from './harness/proxy.js';

let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy();
});

afterAll(async () => {
  await proxy.stop();
});

describe('pipelined extended protocol', () => {
  it('answers 50 pipelined Parse/Bind/Execute/Sync groups in order from one write', async () => {
    const client = await RawClient.startup(proxy.proxy.port);
    const start = client.received.length;
    const groups = Array.from({ length: 50 }, (_, i) =>
      Buffer.concat([
        serialize.parse({ text: 'SELECT $1::int * 2' }),
        serialize.bind({ values: [String(i)] }),
        serialize.execute({}),
        serialize.sync(),
      ]),
    );
    client.socket.write(Buffer.concat(groups));
    const readyBefore = client.count('readyForQuery');
    await client.waitUntil(() => client.count('readyForQuery') === readyBefore + 50);
    const rows = client.received.slice(start).filter((m): m is DataRowMessage => m.name === 'dataRow');
    expect(rows.map((row) => Number(row.fields[0]))).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    client.end();
  });

  it('skips to the next Sync after an error and goes on with the pipeline', async () => {
    const client = await RawClient.startup(proxy.proxy.port);
    const start = client.received.length;
    const group = (text: string): Buffer =>
      Buffer.concat([serialize.parse({ text }), serialize.bind({}), serialize.execute({}), serialize.sync()]);
    client.socket.write(Buffer.concat([group('SELECT 1'), group('SELECT 1/0'), group('SELECT 3')]));
    await client.waitFor((m) => m.name === 'dataRow' && (m as DataRowMessage).fields[0] === '3', start);
    const names = client.received.slice(start).map((m) => m.name);
    expect(names.filter((n) => n === 'readyForQuery')).toHaveLength(3);
    expect(names.filter((n) => n === 'error')).toHaveLength(1);
    client.end();
  });
});
