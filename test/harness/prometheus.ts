// A real Prometheus server for tests: Debian's `prometheus` binary, a temp
// config and TSDB, a free port, and a small client for its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../../src/cluster/index.js';

/** The prometheus (or promtool) binary from PATH or /usr/bin, if installed. */
export async function findBinary(name: 'prometheus' | 'promtool'): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  /** Starts Prometheus scraping `target` (host:port) every second as job "pggit". */
  static async start(binary: string, target: string): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'pggit-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: pggit',
        '    static_configs:',
        `      - targets: ["${target}"]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`, () => output);
    await server.waitFor(async () => (await fetch(`${server.url}/-/ready`)).ok, 15_000, 'Prometheus to start');
    return server;
  }

  /** An instant query at the current time. */
  async query(expr: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? response.status}`);
    return body.data!.result;
  }

  /** Values of `label` on the series `selector` matches (Grafana's label_values()). */
  async labelValues(label: string, selector: string): Promise<string[]> {
    const response = await fetch(`${this.url}/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': selector })}`);
    const body = (await response.json()) as { status: string; error?: string; data?: string[] };
    if (body.status !== 'success') throw new Error(`label_values(${selector}, ${label}): ${body.error ?? response.status}`);
    return body.data!;
  }

  /** Polls until `condition` is true; on timeout the error carries Prometheus's own log. */
  async waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`Prometheus exited (${this.child.exitCode}):\n${this.output()}`);
      try {
        if (await condition()) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
