import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { NO_SESSION_METRICS, ProxyMetrics } from './index.js';

const tag = (text: string): Buffer => Buffer.from(`${text}\0`);

function fresh(options: { maxApplications?: number; defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  const metrics = new ProxyMetrics(registry, { defaultMetrics: false, ...options });
  return { registry, metrics };
}

/** name → { type, samples } from the registry, the way a scrape sees them. */
async function scrape(registry: Registry) {
  const families = await registry.getMetricsAsJSON();
  return new Map(families.map((family) => [family.name, family]));
}

async function sample(registry: Registry, name: string, labels: Record<string, string>, metricName = name) {
  const family = (await scrape(registry)).get(name);
  const found = family?.values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? name) === metricName &&
      Object.entries(labels).every(([key, want]) => String((value.labels as Record<string, unknown>)[key]) === want),
  );
  return found?.value;
}

describe('ProxyMetrics registry output', () => {
  it('defines every metric of the API with its type and labels', async () => {
    const { registry, metrics } = fresh();
    const session = metrics.session({ database: 'app', branch: 'main', application: 'psql' });
    session.commandComplete(tag('SELECT 1'), 0.001);
    session.error('42P01', 0.002);
    session.transaction('commit');
    metrics.upstreamConnected(0.003);
    metrics.recorderLag(0.1);
    metrics.readyForQueryHeld(0.004);
    metrics.schemaCommit('app', 'main', 'observed', new Date(), 'f'.repeat(64));
    metrics.setQueueDepthSource(() => 2);
    metrics.setStoreUpSource(() => true);
    metrics.guardHazard('TABLE_REWRITE', 'deny');
    metrics.branchSizes([{ database: 'app', branch: 'main', bytes: 8_000_000 }]);
    metrics.storeSize(400_000);

    const families = await scrape(registry);
    const expected: Record<string, [type: string, labels: string[]]> = {
      pggit_client_connections: ['gauge', ['database', 'branch']],
      pggit_client_connections_total: ['counter', ['database', 'branch']],
      pggit_connection_errors_total: ['counter', ['reason']],
      pggit_guard_hazards_total: ['counter', ['hazard', 'action']],
      pggit_bytes_total: ['counter', ['direction']],
      pggit_statements_total: ['counter', ['database', 'branch', 'application', 'command']],
      pggit_statement_duration_seconds: ['histogram', ['database', 'branch', 'command', 'le']],
      pggit_statement_errors_total: ['counter', ['database', 'branch', 'sqlstate_class']],
      pggit_transactions_total: ['counter', ['database', 'branch', 'outcome']],
      pggit_upstream_connect_duration_seconds: ['histogram', ['le']],
      pggit_schema_commits_total: ['counter', ['database', 'branch', 'kind']],
      pggit_schema_head_info: ['gauge', ['database', 'branch', 'commit', 'page']],
      pggit_last_schema_commit_timestamp_seconds: ['gauge', ['database', 'branch']],
      pggit_recorder_lag_seconds: ['histogram', ['le']],
      pggit_ready_for_query_hold_seconds: ['histogram', ['le']],
      pggit_reconciliations_skipped_total: ['counter', []],
      pggit_snapshot_reads_total: ['counter', ['read']],
      pggit_recorder_queue_depth: ['gauge', []],
      pggit_store_up: ['gauge', []],
      pggit_branch_size_bytes: ['gauge', ['database', 'branch']],
      pggit_store_size_bytes: ['gauge', []],
    };
    expect([...families.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, [type, labels]] of Object.entries(expected)) {
      const family = families.get(name)!;
      expect(family.type, name).toBe(type);
      expect(family.values.length, name).toBeGreaterThan(0);
      const bucket = family.values.find((value) => 'le' in value.labels) ?? family.values[0]!;
      expect(Object.keys(bucket.labels).sort(), name).toEqual([...labels].sort());
    }
  });

  it('counts a scripted session exactly', async () => {
    const { registry, metrics } = fresh();
    const session = metrics.session({ database: 'app', branch: 'main', application: 'psql' });
    session.bytesFromClient(100);
    session.bytesFromClient(23);
    session.bytesFromServer(4000);
    session.commandComplete(tag('BEGIN'), 0.0001);
    session.commandComplete(tag('INSERT 0 1'), 0.0004);
    session.commandComplete(tag('INSERT 0 5'), 0.002);
    session.ddl(0.03);
    session.commandComplete(tag('COMMIT'), 0.0002);
    session.transaction('commit');
    session.error('23505', 0.0007);
    session.transaction('rollback');
    session.commandComplete(tag('SELECT 1'), -1);

    const base = { database: 'app', branch: 'main' };
    const statements = (command: string) =>
      sample(registry, 'pggit_statements_total', { ...base, application: 'psql', command });
    expect(await statements('INSERT')).toBe(2);
    expect(await statements('DDL')).toBe(1);
    expect(await statements('ERROR')).toBe(1);
    expect(await statements('SELECT')).toBe(1);
    expect(await sample(registry, 'pggit_bytes_total', { direction: 'client_to_server' })).toBe(123);
    expect(await sample(registry, 'pggit_bytes_total', { direction: 'server_to_client' })).toBe(4000);
    expect(await sample(registry, 'pggit_transactions_total', { ...base, outcome: 'commit' })).toBe(1);
    expect(await sample(registry, 'pggit_transactions_total', { ...base, outcome: 'rollback' })).toBe(1);
    expect(await sample(registry, 'pggit_statement_errors_total', { ...base, sqlstate_class: '23' })).toBe(1);

    const duration = 'pggit_statement_duration_seconds';
    const insert = { ...base, command: 'INSERT' };
    expect(await sample(registry, duration, insert, `${duration}_count`)).toBe(2);
    expect(await sample(registry, duration, insert, `${duration}_sum`)).toBeCloseTo(0.0024, 10);
    expect(await sample(registry, duration, { ...insert, le: '0.0005' }, `${duration}_bucket`)).toBe(1);
    expect(await sample(registry, duration, { ...insert, le: '0.0025' }, `${duration}_bucket`)).toBe(2);
    expect(await sample(registry, duration, { ...insert, le: '+Inf' }, `${duration}_bucket`)).toBe(2);
    // A statement of unknown duration is counted but not timed.
    expect(await sample(registry, duration, { ...base, command: 'SELECT' }, `${duration}_count`)).toBeUndefined();
  });

  it('moves the connection gauge with sessions, once per close', async () => {
    const { registry, metrics } = fresh();
    const labels = { database: 'app', branch: 'main', application: '' };
    const first = metrics.session(labels);
    const second = metrics.session(labels);
    expect(await sample(registry, 'pggit_client_connections', { database: 'app' })).toBe(2);
    first.close();
    first.close();
    expect(await sample(registry, 'pggit_client_connections', { database: 'app' })).toBe(1);
    second.close();
    expect(await sample(registry, 'pggit_client_connections', { database: 'app' })).toBe(0);
    expect(await sample(registry, 'pggit_client_connections_total', { database: 'app' })).toBe(2);
  });

  it('keeps the application label set bounded with 1,000 distinct application_names', async () => {
    const { registry, metrics } = fresh({ maxApplications: 20 });
    for (let i = 0; i < 1000; i++) {
      const session = metrics.session({ database: 'app', branch: 'main', application: `job-${i}` });
      session.commandComplete(tag('SELECT 1'), 0.001);
      session.close();
    }
    const family = (await scrape(registry)).get('pggit_statements_total')!;
    const applications = new Set(family.values.map((value) => value.labels['application']));
    expect(applications.size).toBe(21);
    expect(applications.has('other')).toBe(true);
    const total = family.values.reduce((sum, value) => sum + value.value, 0);
    expect(total).toBe(1000);
    expect(await sample(registry, 'pggit_statements_total', { application: 'other' })).toBe(980);
  });

  it('counts under the new application after the client changes application_name', async () => {
    const { registry, metrics } = fresh();
    const session = metrics.session({ database: 'app', branch: 'main', application: 'before' });
    session.commandComplete(tag('SET'), 0.0001);
    session.applicationChanged('after');
    session.commandComplete(tag('SELECT 1'), 0.0001);
    expect(await sample(registry, 'pggit_statements_total', { application: 'before', command: 'SET' })).toBe(1);
    expect(await sample(registry, 'pggit_statements_total', { application: 'after', command: 'SELECT' })).toBe(1);
  });

  it('records schema commits and keeps the newest commit time', async () => {
    const { registry, metrics } = fresh();
    metrics.schemaCommit('app', 'main', 'observed', new Date(2_000_000_000_000));
    metrics.schemaCommit('app', 'main', 'detected', new Date(1_000_000_000_000));
    expect(await sample(registry, 'pggit_schema_commits_total', { kind: 'observed' })).toBe(1);
    expect(await sample(registry, 'pggit_schema_commits_total', { kind: 'detected' })).toBe(1);
    expect(await sample(registry, 'pggit_last_schema_commit_timestamp_seconds', { branch: 'main' })).toBe(2_000_000_000);
  });

  it("names each branch's head commit and links its page, one series per branch", async () => {
    const { registry, metrics } = fresh();
    metrics.setPageUrl('http://pggit.example:9187/');
    metrics.schemaCommit('app', 'main', 'observed', new Date(), 'a'.repeat(64));
    metrics.schemaCommit('app', 'main', 'observed', new Date(), 'b'.repeat(64));
    metrics.schemaCommit('app', 'feature/x', 'observed', new Date(), 'c'.repeat(64));
    const { values } = await registry.getSingleMetric('pggit_schema_head_info')!.get();
    expect(values.map((value) => value.labels)).toEqual([
      { database: 'app', branch: 'main', commit: 'bbbbbbbbbbbb', page: 'http://pggit.example:9187/#/r/app/commit/bbbbbbbbbbbb?branch=main' },
      { database: 'app', branch: 'feature/x', commit: 'cccccccccccc', page: 'http://pggit.example:9187/#/r/app/commit/cccccccccccc?branch=feature%2Fx' },
    ]);
  });

  it('reads computed gauges at scrape time and leaves store_up out without a store', async () => {
    const { registry, metrics } = fresh();
    expect(await sample(registry, 'pggit_store_up', {})).toBeUndefined();
    let depth = 3;
    let up: boolean | undefined = false;
    metrics.setQueueDepthSource(() => depth);
    metrics.setStoreUpSource(() => up);
    expect(await sample(registry, 'pggit_recorder_queue_depth', {})).toBe(3);
    expect(await sample(registry, 'pggit_store_up', {})).toBe(0);
    depth = 0;
    up = true;
    expect(await sample(registry, 'pggit_recorder_queue_depth', {})).toBe(0);
    expect(await sample(registry, 'pggit_store_up', {})).toBe(1);
    up = undefined;
    expect(await sample(registry, 'pggit_store_up', {})).toBeUndefined();
  });

  it('escapes label values in the text format', async () => {
    const { registry, metrics } = fresh();
    const session = metrics.session({ database: 'a"b', branch: 'x\\y', application: 'line\nbreak' });
    session.commandComplete(tag('SELECT 1'), 0.001);
    const text = await registry.metrics();
    expect(text).toContain('pggit_statements_total{database="a\\"b",branch="x\\\\y",application="line\\nbreak",command="SELECT"} 1');
  });

  it('adds the standard process and Node.js metrics without a prefix', async () => {
    const { registry } = fresh({ defaultMetrics: true });
    const names = [...(await scrape(registry)).keys()];
    expect(names).toContain('process_cpu_seconds_total');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps counting into the same series after registry.resetMetrics()', async () => {
    const { registry, metrics } = fresh();
    const session = metrics.session({ database: 'app', branch: 'main', application: 'psql' });
    session.commandComplete(tag('SELECT 1'), 0.001);
    registry.resetMetrics();
    session.commandComplete(tag('SELECT 1'), 0.001);
    expect(await sample(registry, 'pggit_statements_total', { command: 'SELECT' })).toBe(1);
  });

  it('offers a session that counts nothing', () => {
    expect(() => {
      NO_SESSION_METRICS.commandComplete(tag('SELECT 1'), 0.001);
      NO_SESSION_METRICS.close();
    }).not.toThrow();
  });

  it('keeps one size series per live branch: a new reading replaces values, a branch left out loses its series', async () => {
    const { registry, metrics } = fresh();
    metrics.branchSizes([
      { database: 'app', branch: 'main', bytes: 100 },
      { database: 'app', branch: 'feature', bytes: 200 },
    ]);
    metrics.branchSizes([{ database: 'app', branch: 'main', bytes: 150 }]);
    metrics.storeSize(42);
    const families = await scrape(registry);
    expect(families.get('pggit_branch_size_bytes')!.values.map((value) => [value.labels, value.value])).toEqual([[{ database: 'app', branch: 'main' }, 150]]);
    expect(families.get('pggit_store_size_bytes')!.values.map((value) => value.value)).toEqual([42]);
  });
});
