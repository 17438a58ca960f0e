// What `pggit proxy` and `pggit up` share: the proxy, its metrics and the
// HTTP server (/metrics, /healthz, /readyz), started and stopped together.
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ProxyMetrics, type ImpactSeries } from '../metrics/index.js';
import { accessRoutes, branchRoutes, historyRoutes, impactRoutes, mergeRoutes, pageRoutes, planRoutes, startHttpServer, type Route, type RunningHttpServer } from '../http/index.js';
import { LastSessionClock, SizeWatch, StoreBranchDirectory } from '../branch/index.js';
import { connectUpstream, DEFAULT_GUARD_POLICY, startGuard, startProxy, type GuardPolicy, type RunningProxy, type TlsFiles, type UpstreamTarget } from '../proxy/index.js';
import { hostForUrl } from './listen-address.js';
import { connectHistoryReader, connectStore, type HistoryReader, type HistoryStore } from '../store/index.js';
import { CatalogPools, Recorder } from '../history/index.js';

export interface ServeOptions {
  readonly listen: { host: string; port: number };
  readonly upstream: UpstreamTarget;
  /** The proxy's own connection (catalog reads); its database is the default repository. */
  readonly upstreamUrl: string;
  /** The metadata store; undefined: no history recorded. */
  readonly storeUrl: string | undefined;
  readonly reconcileIntervalMs: number;
  /** Where the attribution locks are taken (default: postgres). */
  readonly lockDatabase?: string;
  /** undefined: no HTTP server. */
  readonly http: { host: string; port: number } | undefined;
  readonly metrics: boolean;
  readonly maxApplications: number;
  /** Watch for schema changes (the DDL watcher). */
  readonly ddl: boolean;
  readonly tls?: TlsFiles | undefined;
  readonly connectTimeoutMs: number;
  /** How long a client may take to send its StartupMessage (default 60 s). */
  readonly startupTimeoutMs?: number | undefined;
  /** Client connections at once; more are refused with 53300 (default 10,000). */
  readonly maxConnections?: number | undefined;
  readonly logger: Logger;
  /** The page's address as browsers reach it (dashboard links); default http://HOST:PORT of http. */
  readonly publicUrl?: string | undefined;
  /** Bearer token for POST/DELETE /api/branches; undefined: those answer 403. */
  readonly apiToken?: string | undefined;
  /** The zero-downtime guard (default: warn about hazards on tables of 100,000 rows or more). */
  readonly guard?: GuardPolicy | undefined;
  /** Log a branch larger than this (--branch-size-warn). */
  readonly branchSizeWarnBytes?: number | undefined;
  /** POST /api/branches refuses more branches than this besides main (--max-branches). */
  readonly maxBranches?: number | undefined;
  /** How often branch and store sizes are read (default 60 s). */
  readonly sizeIntervalMs?: number | undefined;
}

export interface Serving {
  readonly proxy: RunningProxy;
  readonly recorder: Recorder | undefined;
  readonly http: RunningHttpServer | undefined;
  stop(drainMs: number): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const registry = new Registry();
  const metrics = options.metrics ? new ProxyMetrics(registry, { maxApplications: options.maxApplications }) : undefined;
  // Per-migration impact reads the metrics' cells every few seconds; it adds nothing per statement.
  const impact = options.http ? metrics?.impactSeries() : undefined;
  impact?.start();
  const history = options.ddl && options.storeUrl ? startRecorder(options, options.storeUrl, metrics) : undefined;
  // Branches (the router's lookups, the API) need the store even with the DDL watcher off.
  const storeUrl = options.storeUrl;
  const branchStore = history?.store ?? (storeUrl ? connectStore({ url: storeUrl }) : undefined);
  const branches = branchStore ? new StoreBranchDirectory(branchStore.pool, () => branchStore.ensureReady()) : undefined;
  const lastSession = branchStore ? new LastSessionClock(branchStore.pool, () => branchStore.ensureReady()) : undefined;
  const sizes = branchStore
    ? new SizeWatch({
        context: { store: branchStore, upstreamUrl: options.upstreamUrl },
        logger: options.logger,
        sink: metrics,
        warnBytes: options.branchSizeWarnBytes,
        intervalMs: options.sizeIntervalMs,
      })
    : undefined;
  sizes?.start();
  const guard = startGuard(options.guard ?? DEFAULT_GUARD_POLICY, options.upstreamUrl, metrics);
  const proxy = await startProxy({
    listen: options.listen,
    upstream: options.upstream,
    tls: options.tls,
    logger: options.logger,
    connectTimeoutMs: options.connectTimeoutMs,
    ...(options.startupTimeoutMs === undefined ? {} : { startupTimeoutMs: options.startupTimeoutMs }),
    maxConnections: options.maxConnections,
    metrics,
    // With no store nothing would take a change set: the sessions then run no watcher at all.
    onChangeSet: history
      ? (changeSet, route, ahead) => {
          // Cut the impact series at the commit as it happens on the wire, not when it is recorded.
          impact?.mark(changeSet.committedAt);
          // The session holds the commit's ReadyForQuery until this read is taken (unless it was read ahead).
          return history.recorder.submit(route, changeSet, ahead);
        }
      : undefined,
    readBeforeCommit: history ? (content, route, client) => history.recorder.readBeforeCommit(route, content, client) : undefined,
    onDdlStarted: history ? (route) => history.recorder.ddlStarted(route) : undefined,
    onSessionReady: (route) => {
      // Once per session, written at most once a minute per branch (branch list, prune --idle-for).
      void lastSession?.touch(route.repository, route.branch);
      return history?.recorder.noteDatabase(route);
    },
    branches,
    guard: guard?.shared,
  });
  let http: RunningHttpServer | undefined;
  // The API reads with its own read-only connections; times in refs (@{...}) are read in UTC.
  const reader = options.http && storeUrl ? connectHistoryReader({ url: storeUrl, timeZone: 'UTC' }) : undefined;
  if (options.http) {
    try {
      http = await startHttpServer({
        ...options.http,
        registry,
        logger: options.logger,
        // Ready means clients can be served: the upstream. The store (shared by
        // every proxy) is reported on /healthz, pggit_store_up and the log.
        readiness: { upstream: () => reachable(options.upstream, options.connectTimeoutMs) },
        health: history ? { store: () => history.store.ping() } : {},
        routes: apiRoutes(options, branchStore, reader, impact),
      });
      metrics?.setPageUrl(options.publicUrl ?? `http://${hostForUrl(http.host)}:${http.port}`);
    } catch (error) {
      await proxy.shutdown(0);
      await sizes?.stop();
      await guard?.stop();
      impact?.stop();
      await reader?.close();
      throw new Error(`could not serve HTTP on ${options.http.host}:${options.http.port}: ${(error as Error).message}; pass --http HOST:PORT or --http off`);
    }
  }
  return {
    proxy,
    recorder: history?.recorder,
    http,
    stop: async (drainMs) => {
      await proxy.shutdown(drainMs);
      await sizes?.stop();
      await guard?.stop();
      impact?.stop();
      await http?.close();
      await reader?.close();
      if (history) await history.stop();
      else await branchStore?.pool.end();
    },
  };
}

function apiRoutes(options: ServeOptions, branchStore: HistoryStore | undefined, reader: HistoryReader | undefined, impact: ImpactSeries | undefined): Route[] {
  const routes: Route[] = [...pageRoutes(), ...accessRoutes(options.apiToken)];
  if (branchStore) {
    const context = { store: branchStore, upstreamUrl: options.upstreamUrl };
    routes.push(...branchRoutes({ context, apiToken: options.apiToken, maxBranches: options.maxBranches, sizeWarnBytes: options.branchSizeWarnBytes }));
  }
  if (reader) routes.push(...historyRoutes(reader), ...impactRoutes(reader, impact));
  if (branchStore && reader) {
    const planOptions = { context: { store: branchStore, upstreamUrl: options.upstreamUrl }, reader, apiToken: options.apiToken };
    routes.push(...planRoutes(planOptions), ...mergeRoutes(planOptions));
  }
  return routes;
}

function startRecorder(options: ServeOptions, storeUrl: string, metrics: ProxyMetrics | undefined) {
  const store = connectStore({ url: storeUrl });
  const pools = new CatalogPools(options.upstreamUrl, { lockDatabase: options.lockDatabase });
  const storeDatabase = decodeURIComponent(new URL(storeUrl).pathname.slice(1));
  // The store's own database is not a repository.
  const recorder = new Recorder({ store, pools, logger: options.logger, metrics, ignoreDatabases: [storeDatabase] });
  const upstreamDatabase = decodeURIComponent(new URL(options.upstreamUrl).pathname.slice(1));
  // The upstream URL's database is the first repository; others join as clients reach them.
  if (upstreamDatabase && upstreamDatabase !== storeDatabase) recorder.noteDatabase(upstreamDatabase);
  recorder.start(options.reconcileIntervalMs);
  return {
    store,
    recorder,
    stop: async () => {
      recorder.stop();
      await Promise.race([recorder.idle(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await pools.end();
      await store.pool.end();
    },
  };
}

/** The upstream accepts connections (TCP, or its socket file). */
function reachable(target: UpstreamTarget, timeoutMs: number): Promise<boolean> {
  return connectUpstream(target, timeoutMs).then(
    (socket) => {
      socket.destroy();
      return true;
    },
    () => false,
  );
}
