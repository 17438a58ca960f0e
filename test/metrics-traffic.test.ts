// Real traffic through the proxy moves each metric by exactly what it did.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Registry } from 'prom-client';
import { ProxyMetrics } from '../src/metrics/index.js';
import { startWiredProxy, type TestProxy } from './harness/proxy.js';
import { psql } from './harness/psql.js';
import { eventually } from './harness/activity.js';

const DB = 'metrics_traffic';
let registry: Registry;
let proxy: TestProxy;

beforeAll(async () => {
  registry = new Registry();
  proxy = await startWiredProxy({ metrics: new ProxyMetrics(registry, { maxApplications: 5, defaultMetrics: false }) });
  const admin = new pg.Client({ connectionString: proxy.url() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
});

afterAll(async () => {
  await proxy.stop();
});

/** The value of one sample, 0 when absent. */
async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name.replace(/_(sum|count|bucket)$/, ''));
  const values = (await metric!.get()).values as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
  const found = values.find(
    (v) => (v.metricName ?? name) === name && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return found?.value ?? 0;
}

const base = { database: DB, branch: 'main' };

describe('metrics from real traffic', () => {
  it('counts statements, errors, transactions, connections and bytes from node-postgres', async () => {
    const app = { ...base, application: 'metrics-pg' };
    const client = new pg.Client({ connectionString: proxy.url({ database: DB }), application_name: 'metrics-pg' });
    await client.connect();
    expect(await sample('pggit_client_connections', base)).toBe(1);
    await client.query('CREATE TABLE m (n int)');
    await client.query('INSERT INTO m VALUES (1), (2)');
    await client.query({ text: 'SELECT * FROM m WHERE n > $1', values: [0] });
    await client.query('SELECT 1; SELECT 2');
    await client.query('BEGIN');
    await client.query('UPDATE m SET n = n + 1');
    await client.query('COMMIT');
    await client.query('BEGIN');
    await client.query('SELECT 1 / 0').catch(() => undefined);
    await client.query('ROLLBACK');
    await client.end();
    // The proxy sees the client go a moment after it has gone.
    await eventually(() => sample('pggit_client_connections', base), (n) => n === 0, 'the session to close');

    expect(await sample('pggit_statements_total', { ...app, command: 'DDL' })).toBe(1);
    expect(await sample('pggit_statements_total', { ...app, command: 'INSERT' })).toBe(1);
    expect(await sample('pggit_statements_total', { ...app, command: 'SELECT' })).toBe(3);
    expect(await sample('pggit_statements_total', { ...app, command: 'UPDATE' })).toBe(1);
    expect(await sample('pggit_statements_total', { ...app, command: 'BEGIN' })).toBe(2);
    expect(await sample('pggit_statements_total', { ...app, command: 'COMMIT' })).toBe(1);
    expect(await sample('pggit_statements_total', { ...app, command: 'ROLLBACK' })).toBe(1);
    expect(await sample('pggit_statements_total', { ...app, command: 'ERROR' })).toBe(1);
    expect(await sample('pggit_statement_errors_total', { ...base, sqlstate_class: '22' })).toBe(1);
    expect(await sample('pggit_statement_duration_seconds_count', { ...base, command: 'SELECT' })).toBe(3);
    // CREATE, INSERT, SELECT, SELECT;SELECT run alone; one block commits, one rolls back.
    expect(await sample('pggit_transactions_total', { ...base, outcome: 'commit' })).toBe(5);
    expect(await sample('pggit_transactions_total', { ...base, outcome: 'rollback' })).toBe(1);
    expect(await sample('pggit_client_connections', base)).toBe(0);
    expect(await sample('pggit_client_connections_total', base)).toBe(1);
    expect(await sample('pggit_bytes_total', { direction: 'client_to_server' })).toBeGreaterThan(300);
    expect(await sample('pggit_bytes_total', { direction: 'server_to_client' })).toBeGreaterThan(300);
    expect(await sample('pggit_upstream_connect_duration_seconds_count', {})).toBeGreaterThanOrEqual(2);
  });

  it('counts a psql script by command under its application name', async () => {
    const url = proxy.url({ database: DB, params: 'application_name=metrics-psql' });
    const result = await psql(url, ['-q', '-c', 'SELECT 1', '-c', 'SELECT 2', '-c', 'INSERT INTO m VALUES (3)']);
    expect(result.code).toBe(0);
    const app = { ...base, application: 'metrics-psql' };
    expect(await sample('pggit_statements_total', { ...app, command: 'SELECT' })).toBe(2);
    expect(await sample('pggit_statements_total', { ...app, command: 'INSERT' })).toBe(1);
  });

  it('counts an unreachable upstream as a connection error', async () => {
    const local = new Registry();
    const broken = await startWiredProxy({
      upstream: { kind: 'tcp', host: '127.0.0.1', port: 1 },
      metrics: new ProxyMetrics(local, { defaultMetrics: false }),
    });
    const client = new pg.Client({ connectionString: broken.url() });
    await expect(client.connect()).rejects.toMatchObject({ code: '08001' });
    const text = await local.metrics();
    expect(text).toMatch(/pggit_connection_errors_total\{reason="upstream_unreachable"\} 1/);
    await broken.stop();
  });

  it('keeps the application label bounded with 1,000 distinct names', async () => {
    // Ten sessions, each renaming itself 100 times (ParameterStatus carries the new name).
    await Promise.all(
      Array.from({ length: 10 }, async (_, session) => {
        const client = new pg.Client({ connectionString: proxy.url({ database: DB }) });
        await client.connect();
        for (let i = 0; i < 100; i++) await client.query(`SET application_name = 'app-${session * 100 + i}'; SELECT 1`);
        await client.end();
      }),
    );
    const text = await registry.metrics();
    const applications = new Set([...text.matchAll(/application="([^"]*)"/g)].map((m) => m[1]));
    expect(applications.size).toBeLessThanOrEqual(5 + 2); // 5 kept, plus "other" and "unknown"
    expect(applications.has('other')).toBe(true);
  });
});
