// The branch JSON API: the same functions as `pggit branch`.
//
//   GET    /api/branches?db=REPO                     list
//   POST   /api/branches {name, db, from?, withData?} create (201)
//   DELETE /api/branches/:name?db=REPO&force=1       delete
//
// POST and DELETE need "Authorization: Bearer <token>" with the token from
// --api-token / PGGIT_API_TOKEN; without a configured token they answer 403.
import { timingSafeEqual } from 'node:crypto';
import {
  BranchError,
  createBranch,
  deleteBranch,
  httpStatusOf,
  listBranches,
  type BranchContext,
} from '../branch/index.js';
import { StoreError } from '../store/index.js';
import { HttpError, type HttpRequest, type HttpResponse, type Route } from './router.js';

export interface BranchApiOptions {
  readonly context: BranchContext;
  /** undefined: POST and DELETE are refused. */
  readonly apiToken: string | undefined;
}

export function branchRoutes(options: BranchApiOptions): Route[] {
  const { context } = options;
  return [
    {
      method: 'GET',
      path: '/api/branches',
      handler: (request) =>
        answer(async () => {
          const repository = required(request.query.get('db'), 'db');
          return { status: 200, body: { repository, branches: await listBranches(context, repository) } };
        }),
    },
    {
      method: 'POST',
      path: '/api/branches',
      handler: (request) =>
        answer(async () => {
          authorize(request, options.apiToken);
          const body = (request.body ?? {}) as Record<string, unknown>;
          if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
          const name = required(stringField(body, 'name'), 'name');
          const repository = required(stringField(body, 'db'), 'db');
          const from = stringField(body, 'from');
          if (body['withData'] !== undefined && typeof body['withData'] !== 'boolean') throw new HttpError(400, '"withData" must be true or false');
          const created = await createBranch(context, { repository, name, from, withData: body['withData'] === true });
          return { status: 201, body: created };
        }),
    },
    {
      method: 'DELETE',
      path: '/api/branches/:name',
      handler: (request) =>
        answer(async () => {
          authorize(request, options.apiToken);
          const repository = required(request.query.get('db'), 'db');
          const force = ['1', 'true', 'yes'].includes(request.query.get('force') ?? '');
          return { status: 200, body: await deleteBranch(context, { repository, name: request.params['name']!, force }) };
        }),
    },
  ];
}

function authorize(request: HttpRequest, token: string | undefined): void {
  if (token === undefined) {
    throw new HttpError(403, 'changing branches over HTTP is off: start the proxy with --api-token TOKEN (or PGGIT_API_TOKEN) and send "Authorization: Bearer TOKEN"');
  }
  const header = request.headers['authorization'];
  const given = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
  if (given === undefined || !sameSecret(given, token)) throw new HttpError(401, 'missing or wrong "Authorization: Bearer" token');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `"${name}" must be a string`);
  return value;
}

function required(value: string | null | undefined, name: string): string {
  if (value === null || value === undefined || value === '') throw new HttpError(400, `"${name}" is required`);
  return value;
}

/** Branch and store errors become their HTTP status with the message. */
async function answer(fn: () => Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof BranchError) throw new HttpError(httpStatusOf(error.code), error.message);
    if (error instanceof StoreError) {
      const status = error.code === 'UNKNOWN_REF' || error.code === 'AMBIGUOUS_REF' ? 400 : error.code.startsWith('UNKNOWN') ? 404 : 503;
      throw new HttpError(status, error.message);
    }
    throw error;
  }
}
