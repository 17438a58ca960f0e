// What `pggit proxy` and `pggit up` share: the proxy, its metrics and the
// HTTP server (/metrics, /healthz, /readyz), started and stopped together.
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ProxyMetrics } from '../metrics/index.js';
import { startHttpServer, type RunningHttpServer } from '../http/index.js';
import { startProxy, type RunningProxy, type TlsFiles, type UpstreamTarget } from '../proxy/index.js';

export interface ServeOptions {
  readonly listen: { host: string; port: number };
  readonly upstream: UpstreamTarget;
  /** undefined: no HTTP server. */
  readonly http: { host: string; port: number } | undefined;
  readonly metrics: boolean;
  readonly maxApplications: number;
  /** Watch for schema changes (the DDL watcher). */
  readonly ddl: boolean;
  readonly tls?: TlsFiles | undefined;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
}

export interface Serving {
  readonly proxy: RunningProxy;
  readonly http: RunningHttpServer | undefined;
  stop(drainMs: number): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const registry = new Registry();
  const metrics = options.metrics ? new ProxyMetrics(registry, { maxApplications: options.maxApplications }) : undefined;
  const proxy = await startProxy({
    listen: options.listen,
    upstream: options.upstream,
    tls: options.tls,
    logger: options.logger,
    connectTimeoutMs: options.connectTimeoutMs,
    metrics,
    // Until the recorder lands, committed change sets are only logged (debug level, by the session).
    onChangeSet: options.ddl ? () => undefined : undefined,
  });
  let http: RunningHttpServer | undefined;
  if (options.http) {
    try {
      http = await startHttpServer({
        ...options.http,
        registry,
        logger: options.logger,
        readiness: { upstream: () => reachable(options.upstream, options.connectTimeoutMs) },
      });
    } catch (error) {
      await proxy.shutdown(0);
      throw new Error(`could not serve HTTP on ${options.http.host}:${options.http.port}: ${(error as Error).message}; pass --http HOST:PORT or --http off`);
    }
  }
  return {
    proxy,
    http,
    stop: async (drainMs) => {
      await proxy.shutdown(drainMs);
      await http?.close();
    },
  };
}

/** The upstream accepts TCP connections (or its socket file answers). */
function reachable(target: UpstreamTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = target.kind === 'tcp' ? connect(target.port, target.host) : connect(target.path);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
