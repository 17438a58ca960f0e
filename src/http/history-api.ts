// The history JSON API: the same functions as `pggit log|show|schema`, with
// the shapes their --json prints (README, "JSON").
//
//   GET /api/repositories                                   repositories and branches
//   GET /api/log?db=&branch=&ref=&object=&n=                 commits, newest first
//   GET /api/commits/:ref?db=&branch=                        one commit, statements, object diffs
//   GET /api/schema?db=&branch=&at=                          the schema at a revision
//
// db may be left out when the store holds one repository; branch defaults to
// main. Unknown repositories, branches and revisions answer 404.
import { listRepositories, ObjectNameError, parseObjectName, readLog, schemaAt, selectRepository, showCommit, type RefContext } from '../history/index.js';
import type { HistoryReader } from '../store/index.js';
import { answer, optional } from './api-errors.js';
import { HttpError, type HttpRequest, type Route } from './router.js';

/** Commits per /api/log answer unless n says otherwise. */
const DEFAULT_LOG_LIMIT = 500;
const MAX_LOG_LIMIT = 10_000;

export function historyRoutes(reader: HistoryReader): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/repositories',
      handler: () => answer(async () => ({ status: 200, body: { repositories: await listRepositories(reader) } })),
    },
    {
      method: 'GET',
      path: '/api/log',
      handler: (request) =>
        answer(async () => {
          const context = await refContext(reader, request);
          const object = optional(request.query.get('object'));
          if (object !== undefined) checkObjectName(object);
          const limit = logLimit(request.query.get('n'));
          return { status: 200, body: await readLog(reader, { ...context, ref: optional(request.query.get('ref')), object, limit }) };
        }),
    },
    {
      method: 'GET',
      path: '/api/commits/:ref',
      handler: (request) =>
        answer(async () => ({ status: 200, body: await showCommit(reader, await refContext(reader, request), request.params['ref']!) })),
    },
    {
      method: 'GET',
      path: '/api/schema',
      handler: (request) =>
        answer(async () => ({ status: 200, body: await schemaAt(reader, await refContext(reader, request), optional(request.query.get('at')) ?? 'HEAD') })),
    },
  ];
}

/** ?db= (or the only repository) and ?branch= (default main). */
export async function refContext(reader: HistoryReader, request: HttpRequest): Promise<RefContext> {
  const repository = await selectRepository(reader, optional(request.query.get('db')));
  return { repository, branch: optional(request.query.get('branch')) ?? 'main' };
}

function logLimit(text: string | null): number {
  if (text === null || text === '') return DEFAULT_LOG_LIMIT;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_LOG_LIMIT) throw new HttpError(400, `"n" must be a whole number from 0 to ${MAX_LOG_LIMIT}, got "${text}"`);
  return n;
}

function checkObjectName(text: string): void {
  try {
    parseObjectName(text);
  } catch (error) {
    if (error instanceof ObjectNameError) throw new HttpError(400, `"object": ${error.message}`, error.code);
    throw error;
  }
}
