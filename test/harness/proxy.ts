// Starts an in-process proxy in front of the test server: by default exactly
// as `pggit proxy` runs with no flags (DDL watcher, metrics, history in the
// store database "pggit" on the upstream, HTTP), so a bug on the default
// path fails the tests; or wired by hand for tests that bring their own
// recorder or metrics registry, or that need the watcher off.
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';
import { httpSettings } from '../../src/cli/http-settings.js';
import { historySettings } from '../../src/cli/history-settings.js';
import { serve, type Serving } from '../../src/cli/serve.js';
import { startProxy, upstreamFromUrl, type GuardPolicy, type RunningProxy, type ProxyOptions, type TlsFiles, type UpstreamTarget } from '../../src/proxy/index.js';

export const upstreamUrl = (): string => inject('pgUrl');

export interface TestProxy {
  readonly proxy: RunningProxy;
  /** A postgres:// URL through the proxy for this user and database. */
  url(options?: { user?: string; password?: string; database?: string; params?: string }): string;
  stop(): Promise<void>;
}

export interface DefaultTestProxy extends TestProxy {
  /** The recorder, HTTP server and proxy, as `pggit proxy` starts them. */
  readonly serving: Serving;
}

export interface DefaultProxyOptions {
  readonly logger?: Logger;
  readonly tls?: TlsFiles;
  /** Where client sessions go (default: the test server); the proxy's own connections always use the test server. */
  readonly upstream?: UpstreamTarget;
  readonly startupTimeoutMs?: number;
  readonly maxConnections?: number;
  /** The zero-downtime guard's policy (default: `pggit proxy`'s, warn). */
  readonly guard?: GuardPolicy;
}

/** The proxy with every default of `pggit proxy` (HTTP on a free port instead of 9187). */
export async function startTestProxy(options: DefaultProxyOptions = {}): Promise<DefaultTestProxy> {
  const upstreamAddress = upstreamUrl();
  // Errors the proxy logs (a commit it could not record, a server message it
  // could not follow) fail the test file when the proxy stops: they are bugs
  // on the default path that no client would see.
  const errors: string[] = [];
  const serving = await serve({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: options.upstream ?? upstreamFromUrl(upstreamAddress),
    upstreamUrl: upstreamAddress,
    ...httpSettings({ http: '127.0.0.1:0' }, {}),
    ...historySettings({}, {}, upstreamAddress),
    tls: options.tls,
    logger: options.logger ?? pino({ level: 'error' }, { write: (line: string) => void errors.push(line) }),
    connectTimeoutMs: 10_000,
    startupTimeoutMs: options.startupTimeoutMs,
    maxConnections: options.maxConnections,
    guard: options.guard,
  });
  const stop = async (): Promise<void> => {
    await serving.stop(0);
    if (errors.length > 0) throw new Error(`the proxy logged errors:\n${errors.join('')}`);
  };
  return { ...testProxy(serving.proxy, stop), serving };
}

/** The proxy with only what the test wires in (no watcher, metrics or history unless given). */
export async function startWiredProxy(overrides: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamFromUrl(upstreamUrl()),
    ...overrides,
  });
  return testProxy(proxy, () => proxy.shutdown(0));
}

function testProxy(proxy: RunningProxy, stop: () => Promise<void>): TestProxy {
  const upstream = new URL(upstreamUrl());
  return {
    proxy,
    url: ({ user, password, database, params } = {}) => {
      const auth = `${encodeURIComponent(user ?? decodeURIComponent(upstream.username || 'postgres'))}${password ? `:${encodeURIComponent(password)}` : ''}`;
      const db = database ?? (upstream.pathname.slice(1) || 'postgres');
      return `postgres://${auth}@127.0.0.1:${proxy.port}/${db}${params ? `?${params}` : ''}`;
    },
    stop,
  };
}
