// The diff and revert JSON API: the same functions as `pggit diff` and
// `pggit revert`, with the shapes their --json prints.
//
//   GET  /api/diff?db=&branch=&from=&to=          the plan from FROM to TO (TO: the branch's live database)
//   POST /api/revert {db, ref, branch?, dryRun?, force?}
//                                                 200 applied (or dry run), 409 conflicts or data to delete
//
// POST needs "Authorization: Bearer <token>" (--api-token); without a
// configured token it answers 403.
import { diffSchemas, revertCommit, type BranchContext } from '../branch/index.js';
import { loadParser, parserLoaded } from '../ddl/index.js';
import { selectRepository } from '../history/index.js';
import type { HistoryReader } from '../store/index.js';
import { authorize } from './api-auth.js';
import { flag } from './api-body.js';
import { answer, optional, required } from './api-errors.js';
import { HttpError, type Route } from './router.js';

export interface PlanApiOptions {
  readonly context: BranchContext;
  readonly reader: HistoryReader;
  readonly apiToken: string | undefined;
}

async function parserReady(): Promise<void> {
  if (!parserLoaded()) await loadParser();
}

export function planRoutes(options: PlanApiOptions): Route[] {
  const { context, reader } = options;
  return [
    {
      method: 'GET',
      path: '/api/diff',
      handler: (request) =>
        answer(async () => {
          await parserReady();
          const from = required(request.query.get('from'), 'from');
          const repository = await selectRepository(reader, optional(request.query.get('db')));
          const branch = optional(request.query.get('branch')) ?? 'main';
          const to = optional(request.query.get('to'));
          const result = await diffSchemas({ from, to, reader, context: { repository, branch }, upstreamUrl: context.upstreamUrl });
          return { status: 200, body: result };
        }),
    },
    {
      method: 'POST',
      path: '/api/revert',
      handler: (request) =>
        answer(async () => {
          authorize(request, options.apiToken);
          const body = (request.body ?? {}) as Record<string, unknown>;
          if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
          const ref = body['ref'];
          if (typeof ref !== 'string' || ref === '') throw new HttpError(400, '"ref" is required');
          const db = body['db'];
          if (db !== undefined && typeof db !== 'string') throw new HttpError(400, '"db" must be a string');
          const branch = body['branch'];
          if (branch !== undefined && typeof branch !== 'string') throw new HttpError(400, '"branch" must be a string');
          await parserReady();
          const repository = await selectRepository(reader, db);
          const result = await revertCommit(context, { repository, ref, branch, dryRun: flag(body, 'dryRun'), force: flag(body, 'force') });
          return { status: result.conflicts.length > 0 ? 409 : 200, body: result };
        }),
    },
  ];
}
