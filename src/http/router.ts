// A tiny router: method + path pattern ("/api/branches/:name") → handler.
// Pure: it only matches; the server does the I/O. Later issues add the JSON
// API as routes (HttpServerOptions.routes) without touching the server.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly path: string;
  /** Values of the pattern's `:name` segments, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The request body parsed as JSON; undefined when there is none. */
  readonly body: unknown;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface HttpResponse {
  readonly status: number;
  /** A string or Buffer is sent as is (text/plain unless contentType says otherwise); anything else as JSON. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** More response headers (names in lower case). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResponse> | HttpResponse;

export interface Route {
  readonly method: HttpMethod;
  /** Literal segments and `:param` segments, e.g. "/api/branches/:name". */
  readonly path: string;
  readonly handler: RouteHandler;
}

/** Thrown by a handler to answer with this status and `{"code","message"}`. */
export class HttpError extends Error {
  readonly code: string;

  constructor(
    readonly status: number,
    message: string,
    /** A stable code for programs; default from the status (NOT_FOUND, ...). */
    code?: string,
    /** The SQLSTATE of the same failure in PostgreSQL, where it has one. */
    readonly sqlstate?: string,
  ) {
    super(message);
    this.name = 'HttpError';
    this.code = code ?? codeOfStatus(status);
  }
}

/** The body of every error answer. */
export function errorBody(status: number, message: string, code?: string, sqlstate?: string): { code: string; message: string; sqlstate?: string } {
  return { code: code ?? codeOfStatus(status), message, ...(sqlstate === undefined ? {} : { sqlstate }) };
}

function codeOfStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    409: 'CONFLICT',
    413: 'TOO_LARGE',
    503: 'UNAVAILABLE',
  };
  return codes[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR');
}

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface Compiled {
  readonly route: Route;
  /** A literal segment, or null where a parameter goes. */
  readonly segments: ReadonlyArray<string | null>;
  readonly paramNames: ReadonlyArray<string | null>;
}

export class Router {
  private readonly routes: Compiled[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map(compile);
    const seen = new Set<string>();
    for (const { route, segments } of this.routes) {
      const key = `${route.method} /${segments.map((s) => s ?? ':').join('/')}`;
      if (seen.has(key)) throw new Error(`two routes for ${route.method} ${route.path}`);
      seen.add(key);
    }
  }

  /** HEAD matches GET routes (the server sends no body). */
  match(method: string, path: string): RouteMatch {
    const parts = splitPath(path);
    const wanted = method === 'HEAD' ? 'GET' : method;
    const allow = new Set<string>();
    for (const compiled of this.routes) {
      const params = matchSegments(compiled, parts);
      if (!params) continue;
      if (compiled.route.method === wanted) return { kind: 'found', route: compiled.route, params };
      allow.add(compiled.route.method);
      if (compiled.route.method === 'GET') allow.add('HEAD');
    }
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
  }
}

function compile(route: Route): Compiled {
  if (!route.path.startsWith('/')) throw new Error(`route path must start with /: ${route.path}`);
  const parts = splitPath(route.path);
  return {
    route,
    segments: parts.map((part) => (part.startsWith(':') ? null : part)),
    paramNames: parts.map((part) => (part.startsWith(':') ? part.slice(1) : null)),
  };
}

function splitPath(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

function matchSegments(compiled: Compiled, parts: readonly string[]): Record<string, string> | undefined {
  if (parts.length !== compiled.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const literal = compiled.segments[i];
    if (literal === null) {
      if (part === '') return undefined;
      params[compiled.paramNames[i]!] = decodeSegment(part);
    } else if (literal !== part) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `malformed URL segment: ${part}`);
  }
}
