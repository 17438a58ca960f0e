// The merge JSON API: the same functions as `pggit merge`, with the shapes
// its --json prints.
//
//   POST /api/merge {db, source, target?, dryRun?, force?}   200 merged (or dry run), 409 conflicts (kept in progress) or data to delete
//   GET  /api/merge?db=&target=                             the merge in progress (404: none)
//   GET  /api/merge/preview?db=&source=&target=             what merging would do (a dry run: a read, no token)
//   GET  /api/merges?db=                                    every merge in progress, by target
//   POST /api/merge/resolve {db, target?, key, take: "ours"|"theirs" | sql}
//   POST /api/merge/continue {db, target?, force?}          200 merged, 409 conflicts left or data to delete
//   POST /api/merge/abort {db, target?}
//
// POSTs need "Authorization: Bearer <token>" (--api-token).
import { abortMerge, continueMerge, mergeBranches, mergesInProgress, mergeStatus, resolveMergeConflict } from '../branch/index.js';
import { loadParser, parserLoaded } from '../ddl/index.js';
import { selectRepository } from '../history/index.js';
import type { Resolution } from '../store/index.js';
import { authorize } from './api-auth.js';
import { bodyOf, flag, requiredText, text, type Body } from './api-body.js';
import { answer, optional, required } from './api-errors.js';
import type { PlanApiOptions } from './plan-api.js';
import { HttpError, type HttpRequest, type HttpResponse, type Route } from './router.js';

function resolutionOf(body: Body): Resolution {
  const take = text(body, 'take');
  const sql = text(body, 'sql');
  if ((take === undefined) === (sql === undefined)) throw new HttpError(400, 'give one of "take" ("ours" or "theirs") and "sql"');
  if (take !== undefined && take !== 'ours' && take !== 'theirs') throw new HttpError(400, '"take" must be "ours" or "theirs"');
  return take !== undefined ? { take } : { sql: sql! };
}

export function mergeRoutes(options: PlanApiOptions): Route[] {
  const { context, reader } = options;
  const post = (path: string, run: (body: Body, repository: string) => Promise<HttpResponse>): Route => ({
    method: 'POST',
    path,
    handler: (request: HttpRequest) =>
      answer(async () => {
        authorize(request, options.apiToken);
        const body = bodyOf(request);
        if (!parserLoaded()) await loadParser();
        return run(body, await selectRepository(reader, text(body, 'db')));
      }),
  });
  const get = (path: string, run: (request: HttpRequest, repository: string) => Promise<unknown>): Route => ({
    method: 'GET',
    path,
    handler: (request: HttpRequest) =>
      answer(async () => {
        if (!parserLoaded()) await loadParser();
        return { status: 200, body: await run(request, await selectRepository(reader, optional(request.query.get('db')))) };
      }),
  });
  return [
    post('/api/merge', async (body, repository) => {
      const result = await mergeBranches(context, { repository, source: requiredText(body, 'source'), target: text(body, 'target'), dryRun: flag(body, 'dryRun'), force: flag(body, 'force'), startedBy: 'http' });
      return { status: result.conflicts.length > 0 ? 409 : 200, body: result };
    }),
    get('/api/merge', async (request, repository) => mergeStatus(context, { repository, target: optional(request.query.get('target')) })),
    // A dry run writes nothing (not even the merge in progress): a read like GET /api/diff.
    get('/api/merge/preview', async (request, repository) =>
      mergeBranches(context, { repository, source: required(request.query.get('source'), 'source'), target: optional(request.query.get('target')), dryRun: true }),
    ),
    get('/api/merges', async (_request, repository) => ({ repository, merges: await mergesInProgress(context, repository) })),
    post('/api/merge/resolve', async (body, repository) => ({
      status: 200,
      body: await resolveMergeConflict(context, { repository, target: text(body, 'target'), key: requiredText(body, 'key'), resolution: resolutionOf(body) }),
    })),
    post('/api/merge/continue', async (body, repository) => ({
      status: 200,
      body: await continueMerge(context, { repository, target: text(body, 'target'), force: flag(body, 'force'), dryRun: flag(body, 'dryRun') }),
    })),
    post('/api/merge/abort', async (body, repository) => ({ status: 200, body: await abortMerge(context, { repository, target: text(body, 'target') }) })),
  ];
}
