// Starts an in-process proxy in front of the test server.
import { inject } from 'vitest';
import { startProxy, upstreamFromUrl, type RunningProxy, type ProxyOptions } from '../../src/proxy/index.js';

export const upstreamUrl = (): string => inject('pgUrl');

export interface TestProxy {
  readonly proxy: RunningProxy;
  /** A postgres:// URL through the proxy for this user and database. */
  url(options?: { user?: string; password?: string; database?: string; params?: string }): string;
  stop(): Promise<void>;
}

export async function startTestProxy(overrides: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const upstream = new URL(upstreamUrl());
  const proxy = await startProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamFromUrl(upstreamUrl()),
    ...overrides,
  });
  return {
    proxy,
    url: ({ user, password, database, params } = {}) => {
      const auth = `${encodeURIComponent(user ?? decodeURIComponent(upstream.username || 'postgres'))}${password ? `:${encodeURIComponent(password)}` : ''}`;
      const db = database ?? (upstream.pathname.slice(1) || 'postgres');
      return `postgres://${auth}@127.0.0.1:${proxy.port}/${db}${params ? `?${params}` : ''}`;
    },
    stop: () => proxy.shutdown(0),
  };
}
