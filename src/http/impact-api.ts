// Per-migration impact over HTTP:
//
//   GET /api/impact?db=&commit=REF&window=SECS   one commit: before vs after, a series for a chart
//   GET /api/impact?db=&branch=&window=SECS       every commit of the branch since measuring began
//
// From this process's own measurements (kept in memory; see
// metrics/impact-series.ts): a proxy knows nothing of the traffic before it
// started, nor of what other proxies sharing the store forwarded.
import { readLog, type CommitSummary } from '../history/index.js';
import type { ImpactSeries } from '../metrics/index.js';
import type { HistoryReader } from '../store/index.js';
import { answer, optional } from './api-errors.js';
import { refContext } from './history-api.js';
import { HttpError, type Route } from './router.js';

const DEFAULT_WINDOW_SECONDS = 300;

export function impactRoutes(reader: HistoryReader, series: ImpactSeries | undefined): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/impact',
      handler: (request) =>
        answer(async () => {
          if (!series) throw new HttpError(409, 'statement metrics are off (--metrics off): there is nothing to measure impact with', 'METRICS_OFF');
          const windowMs = windowOf(request.query.get('window'), series.keepMs) * 1000;
          const context = await refContext(reader, request);
          const commit = optional(request.query.get('commit'));
          if (commit !== undefined) {
            const [summary] = (await readLog(reader, { ...context, ref: commit, limit: 1 })).commits;
            // Its neighbours on its own branch bound the windows.
            const line = (await readLog(reader, { repository: context.repository, branch: summary!.branch, limit: 500 }).catch(() => undefined))?.commits ?? [summary!];
            const found = line.findIndex((entry) => entry.id === summary!.id);
            const at = found < 0 ? [summary!] : line;
            const impact = impactOf(series, context.repository, at, Math.max(0, found), windowMs);
            return { status: 200, body: { repository: context.repository, commit: summary, ...impact } };
          }
          const log = await readLog(reader, { ...context, limit: 500 });
          const commits = log.commits.flatMap((entry, index) => {
            if (Date.parse(entry.committedAt) < series.since) return [];
            const { before, after, flagged, reasons } = impactOf(series, context.repository, log.commits, index, windowMs);
            return [{ id: entry.id, committedAt: entry.committedAt, before, after, flagged, reasons }];
          });
          return {
            status: 200,
            body: { repository: context.repository, branch: context.branch, windowSeconds: windowMs / 1000, measuredSince: new Date(series.since).toISOString(), commits },
          };
        }),
    },
  ];
}

/** The impact of commits[index]; commits are one branch's log, newest first. */
function impactOf(series: ImpactSeries, repository: string, commits: readonly CommitSummary[], index: number, windowMs: number) {
  const commit = commits[index]!;
  const time = (entry: CommitSummary | undefined): Date | undefined => (entry ? new Date(entry.committedAt) : undefined);
  // Traffic is measured per (repository, branch) as the proxy routed it: the commit's own branch.
  return series.impactAt(repository, commit.branch, new Date(commit.committedAt), windowMs, { previous: time(commits[index + 1]), next: time(commits[index - 1]) });
}

function windowOf(text: string | null, keepMs: number): number {
  if (text === null || text === '') return DEFAULT_WINDOW_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > keepMs) {
    throw new HttpError(400, `"window" must be a number of seconds from 1 to ${keepMs / 1000}, got "${text}"`);
  }
  return seconds;
}
