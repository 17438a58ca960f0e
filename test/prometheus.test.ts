// A real Prometheus scrapes our /metrics, and every query of the Grafana
// dashboard returns data. Needs Debian's `prometheus` package; skips only
// where the binary is not installed.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../src/http/index.js';
import { ProxyMetrics, type SessionMetrics } from '../src/metrics/index.js';
import { PrometheusServer, findBinary } from './harness/prometheus.js';

const prometheusBinary = await findBinary('prometheus');
const promtoolBinary = await findBinary('promtool');
const missing = 'prometheus is not installed (apt-get install prometheus); skipping the real-Prometheus tests';
if (!prometheusBinary) console.warn(missing);

const dashboardPath = new URL('../deploy/grafana/pggit-dashboard.json', import.meta.url);
const prometheusConfigPath = new URL('../deploy/prometheus.yml', import.meta.url);

/** Grafana's built-in intervals, as Grafana would fill them in for a 1 s scrape interval. */
const INTERVALS: Record<string, string> = { __rate_interval: '5s', __interval: '1m', __range: '5m' };

/** Fills Grafana variables: intervals by value, template variables with a match-all regex. */
function substitute(expr: string, templateNames: readonly string[]): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    if (name in INTERVALS) return INTERVALS[name]!;
    if (templateNames.includes(name)) return '.*';
    throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
  });
}

interface Found {
  readonly where: string;
  readonly expr: string;
}

/** Every `expr` in the dashboard (panels, nested rows, annotations), with where it is. */
function dashboardExpressions(node: unknown, where = 'dashboard'): Found[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => dashboardExpressions(item, `${where}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const name = record['title'] ?? record['name'];
  const label = typeof name === 'string' ? `${where} "${name}"` : where;
  const own: Found[] = typeof record['expr'] === 'string' ? [{ where: label, expr: record['expr'] }] : [];
  return [...own, ...Object.entries(record).flatMap(([key, value]) => dashboardExpressions(value, `${label}.${key}`))];
}

interface Dashboard {
  templating: { list: Array<{ name: string; type: string; definition?: string }> };
}

/** Synthetic traffic through the SessionMetrics API: a bit of every kind of event. */
function someActivity(metrics: ProxyMetrics, sessions: SessionMetrics[], round: number): void {
  const tag = (text: string) => Buffer.from(`${text}\0`);
  const branch = round % 2 === 0 ? 'main' : 'feature';
  const session = metrics.session({ database: 'app', branch, application: `worker-${round}` });
  sessions.push(session);
  for (const s of sessions) {
    s.bytesFromClient(120);
    s.bytesFromServer(4096);
    s.commandComplete(tag('BEGIN'), 0.0001);
    s.commandComplete(tag('SELECT 10'), 0.0004 * (round + 1));
    s.commandComplete(tag('INSERT 0 1'), 0.002);
    s.commandComplete(tag('COMMIT'), 0.0003);
    s.transaction('commit');
    s.error('42P01', 0.0008);
    s.transaction('rollback');
  }
  session.ddl(0.03);
  metrics.upstreamConnected(0.002 + round / 1000);
  metrics.recorderLag(0.05 + round / 100);
  metrics.connectionError('upstream_unreachable');
  metrics.schemaCommit('app', 'main', round % 3 === 2 ? 'detected' : 'observed', new Date(), `${round}`.repeat(64));
  metrics.branchSizes([{ database: 'app', branch: 'main', bytes: 8_000_000 + round * 1024 }]);
  metrics.storeSize(400_000 + round * 8192);
}

describe.skipIf(!prometheusBinary)('a real Prometheus', () => {
  let http: RunningHttpServer;
  let prometheus: PrometheusServer;
  let dashboard: Dashboard;
  let templateNames: string[];

  beforeAll(async () => {
    dashboard = JSON.parse(await readFile(dashboardPath, 'utf8')) as Dashboard;
    templateNames = dashboard.templating.list.map((variable) => variable.name);

    const registry = new Registry();
    const metrics = new ProxyMetrics(registry);
    const sessions: SessionMetrics[] = [];
    let queueDepth = 0;
    metrics.setQueueDepthSource(() => queueDepth);
    metrics.setStoreUpSource(() => true);
    someActivity(metrics, sessions, 0);
    http = await startHttpServer({ host: '127.0.0.1', port: 0, registry });
    metrics.setPageUrl(`http://127.0.0.1:${http.port}`);
    prometheus = await PrometheusServer.start(prometheusBinary!, `127.0.0.1:${http.port}`);

    // Counters need samples before and after a change for rate() and increase():
    // keep the activity going across several scrapes.
    const scrapes = async () => {
      const result = await prometheus.query('count_over_time(pggit_store_up[1m])');
      return Number(result[0]?.value[1] ?? 0);
    };
    for (let round = 1; round <= 4; round++) {
      const seen = await scrapes();
      await prometheus.waitFor(async () => (await scrapes()) > seen, 10_000, `scrape ${round}`);
      queueDepth = round;
      someActivity(metrics, sessions, round);
    }
    const seen = await scrapes();
    await prometheus.waitFor(async () => (await scrapes()) >= seen + 2, 10_000, 'the last scrapes');
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await http?.close();
  });

  it('scrapes pggit successfully', async () => {
    const up = await prometheus.query('up{job="pggit"}');
    expect(up.map((sample) => sample.value[1])).toEqual(['1']);
  });

  it('returns data for every PromQL expression in the dashboard', async () => {
    const found = dashboardExpressions(dashboard);
    expect(found.length).toBeGreaterThan(20);
    const results = await Promise.all(
      found.map(async ({ where, expr }) => {
        const query = substitute(expr, templateNames);
        return { what: `${where}: ${query}`, samples: await prometheus.query(query) };
      }),
    );
    const empty = results.filter((result) => result.samples.length === 0).map((result) => result.what);
    expect(empty, 'expressions without data').toEqual([]);
  });

  it('finds values for every template variable', async () => {
    const variables = dashboard.templating.list.filter((variable) => variable.type === 'query');
    expect(variables.map((variable) => variable.name)).toEqual(['instance', 'database', 'branch', 'application']);
    for (const variable of variables) {
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.definition ?? '');
      expect(match, `${variable.name}: ${variable.definition}`).not.toBeNull();
      const values = await prometheus.labelValues(match![2]!, substitute(match![1]!, templateNames));
      expect(values.length, variable.name).toBeGreaterThan(0);
    }
  });

  it('draws schema commits as annotations on the latency and error panels', async () => {
    const { annotations, panels } = dashboard as unknown as {
      annotations: { list: Array<{ name: string; expr?: string; filter?: { ids: number[] } }> };
      panels: Array<{ id: number; title: string }>;
    };
    const schemaCommits = annotations.list.find((annotation) => annotation.name === 'Schema commits')!;
    const titles = schemaCommits.filter!.ids.map((id) => panels.find((panel) => panel.id === id)?.title);
    expect(titles).toEqual(['Statement latency', 'Errors / s by SQLSTATE class']);
    const result = await prometheus.query(substitute(schemaCommits.expr!, templateNames));
    expect(result.length).toBeGreaterThan(0);
    // Each annotation links to its commit's page (the newest head: round 4).
    expect(result.map((sample) => sample.metric['page'])).toEqual([`http://127.0.0.1:${http.port}/#/r/app/commit/444444444444?branch=main`]);
  });
});

describe.skipIf(!promtoolBinary)('deploy/prometheus.yml', () => {
  it('passes promtool check config', async () => {
    const { stdout } = await promisify(execFile)(promtoolBinary!, ['check', 'config', prometheusConfigPath.pathname]);
    expect(stdout).toContain('SUCCESS');
  });
});
