// The branch JSON API: the same functions as `pggit branch`.
//
//   GET    /api/branches?db=REPO                     list
//   POST   /api/branches {name, db, from?, withData?} create (201)
//   DELETE /api/branches/:name?db=REPO&force=1       delete
//
// POST and DELETE need "Authorization: Bearer <token>" with the token from
// --api-token / PGGIT_API_TOKEN; without a configured token they answer 403.
import { createBranchWithinLimit, deleteBranch, listBranches, type BranchContext } from '../branch/index.js';
import { answer, required } from './api-errors.js';
import { authorize } from './api-auth.js';
import { HttpError, type Route } from './router.js';

export interface BranchApiOptions {
  readonly context: BranchContext;
  /** undefined: POST and DELETE are refused. */
  readonly apiToken: string | undefined;
  /** Branches besides main per repository (--max-branches); undefined: no limit. */
  readonly maxBranches?: number | undefined;
  /** Flag branches larger than this in the list (--branch-size-warn). */
  readonly sizeWarnBytes?: number | undefined;
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
          return { status: 200, body: { repository, branches: await listBranches(context, repository, { sizeWarnBytes: options.sizeWarnBytes }) } };
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
          for (const flag of ['withData', 'clone', 'terminate']) {
            if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw new HttpError(400, `"${flag}" must be true or false`);
          }
          const jobs = body['jobs'];
          if (jobs !== undefined && !(Number.isInteger(jobs) && (jobs as number) >= 1 && (jobs as number) <= 64)) throw new HttpError(400, '"jobs" must be a whole number from 1 to 64');
          const input = { repository, name, from, withData: body['withData'] === true, clone: body['clone'] === true, terminate: body['terminate'] === true, jobs: jobs as number | undefined };
          const created = await createBranchWithinLimit(context, input, options.maxBranches);
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

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `"${name}" must be a string`);
  return value;
}

