// The HTTP side of a proxy process: /metrics, /healthz, /readyz and the
// routes later issues add (the JSON API). node:http, no framework. Nothing
// here runs on the forwarding path: a scrape only reads metric cells.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from './readiness.js';
import { errorBody, HttpError, Router, type HttpMethod, type HttpResponse, type Route } from './router.js';

export interface HttpServerOptions {
  /** Default 127.0.0.1: metrics and the API stay private unless asked otherwise. */
  readonly host?: string;
  /** 0 picks a free port (see RunningHttpServer.port). */
  readonly port: number;
  readonly registry: Registry;
  /** Named checks behind /readyz: what clients need (the upstream). None: always ready. */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /**
   * Checks /healthz reports without failing on them (the store): an outage
   * of a store shared by every proxy must not take them all out of rotation.
   */
  readonly health?: Readonly<Record<string, ReadinessCheck>>;
  /** Per check. Default 2000 ms, below the usual 5 s probe timeouts. */
  readonly readinessTimeoutMs?: number;
  readonly logger?: Logger;
  /** Extra routes (the JSON API). */
  readonly routes?: readonly Route[];
}

export interface RunningHttpServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Request bodies of the JSON API are small; refuse anything bigger. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const router = new Router([...builtinRoutes(options), ...(options.routes ?? [])]);
  const server = createServer((request, response) => {
    handle(router, request, response, options.logger).catch((error: unknown) => {
      // Only send() can get here (say, a handler's invalid status code): never crash the proxy for it.
      options.logger?.error({ err: error }, 'could not send an HTTP response');
      response.destroy();
    });
  });
  await listen(server, options.host ?? '127.0.0.1', options.port);
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () => closeServer(server),
  };
}

function builtinRoutes(options: HttpServerOptions): Route[] {
  const { registry } = options;
  const checks = options.readiness ?? {};
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  return [
    {
      method: 'GET',
      path: '/metrics',
      handler: async () => ({ status: 200, body: await registry.metrics(), contentType: registry.contentType }),
    },
    {
      method: 'GET',
      path: '/healthz',
      handler: async () => {
        const report = await checkReadiness(options.health ?? {}, timeoutMs);
        return { status: 200, body: { status: 'ok', checks: report.checks, failing: report.failing, errors: report.errors } };
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async () => {
        const report = await checkReadiness(checks, timeoutMs);
        return { status: report.ready ? 200 : 503, body: report };
      },
    },
  ];
}

async function handle(
  router: Router,
  request: IncomingMessage,
  response: ServerResponse,
  logger: Logger | undefined,
): Promise<void> {
  const method = request.method ?? 'GET';
  let path = request.url ?? '/';
  let result: HttpResponse;
  try {
    const url = parseUrl(path);
    path = url.pathname;
    const match = router.match(method, url.pathname);
    if (match.kind === 'not-found') {
      result = { status: 404, body: errorBody(404, `no such endpoint: ${url.pathname}`) };
    } else if (match.kind === 'method-not-allowed') {
      response.setHeader('allow', match.allow.join(', '));
      result = { status: 405, body: errorBody(405, `${method} is not allowed on ${url.pathname}`) };
    } else {
      const body = await readJsonBody(request);
      result = await match.route.handler({
        method: match.route.method as HttpMethod,
        path: url.pathname,
        params: match.params,
        query: url.searchParams,
        body,
        headers: request.headers,
      });
    }
  } catch (error) {
    if (error instanceof HttpError) {
      result = { status: error.status, body: errorBody(error.status, error.message, error.code, error.sqlstate) };
    } else {
      logger?.error({ err: error, method, path }, 'HTTP handler failed');
      result = { status: 500, body: errorBody(500, 'internal error') };
    }
  }
  send(response, result, method === 'HEAD');
}

/** The request target as a path; "//host/x" stays a path, never a host. */
function parseUrl(target: string): URL {
  if (!target.startsWith('/')) throw new HttpError(400, `malformed request target: ${target}`);
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    throw new HttpError(400, `malformed request target: ${target}`);
  }
}

function readJsonBody(request: IncomingMessage): Promise<unknown> {
  if (request.method === 'GET' || request.method === 'HEAD') {
    request.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Stop reading; the 413 goes out with Connection: close, which drops the rest.
      request.off('data', onData);
      request.pause();
      reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
    };
    request.on('data', onData);
    request.once('error', reject);
    request.once('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        reject(new HttpError(400, 'request body is not valid JSON'));
      }
    });
  });
}

function send(response: ServerResponse, result: HttpResponse, headOnly: boolean): void {
  const isText = typeof result.body === 'string' || Buffer.isBuffer(result.body);
  const payload = result.body === undefined ? '' : isText ? (result.body as string | Buffer) : `${JSON.stringify(result.body)}\n`;
  const contentType = result.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
  response.writeHead(result.status, {
    ...result.headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    // A request whose body was not read to the end leaves the connection unusable.
    ...(response.req.complete ? {} : { connection: 'close' }),
  });
  response.end(headOnly ? undefined : payload);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Prometheus keeps its connection alive between scrapes; do not wait for it.
    server.closeAllConnections();
  });
}
