// `pggit log`: the commits of a branch, newest first.
import { parseArgs } from 'node:util';
import { ObjectNameError, parseObjectName, readLog, type CommitSummary } from '../../history/index.js';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';
import { localTime, printJson, READ_HELP, READ_OPTIONS, withHistory } from '../history-read.js';

export const logHelp = `Usage: pggit log [REF] [options]

Lists the schema commits of a branch (or those reachable from REF), newest
first: id, kind, time, author, application, message.

Options:
  --object NAME            only commits that changed this object: SCHEMA.NAME
                           (a table, view, type, function, ... with its
                           constraints, indexes, triggers, policies) or NAME
  -n, --max-count N        at most N commits
${READ_HELP}
REF: see "pggit show --help".
--json prints {"repository","branch","start","object","commits":[{"id","shortId",
"parents","kind","branch","author","database","application","clientAddress",
"backendPid","message","committedAt","recordedAt","statementCount"}]}.
`;

export async function runLog(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...READ_OPTIONS, object: { type: 'string' }, 'max-count': { type: 'string', short: 'n' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(logHelp);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one REF, got ${positionals.length}`);
  const limit = values['max-count'] === undefined ? undefined : Number(values['max-count']);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new UsageError(`-n needs a whole number, got "${values['max-count']}"`);
  if (values.object !== undefined) {
    try {
      parseObjectName(values.object);
    } catch (error) {
      if (error instanceof ObjectNameError) throw new UsageError(`--object: ${error.message}`);
      throw error;
    }
  }
  const log = await withHistory(values, env, (reader, context) =>
    readLog(reader, { ...context, ref: positionals[0], object: values.object, limit }),
  );
  if (values.json) printJson(log);
  else process.stdout.write(formatLog(log.commits));
  return 0;
}

export function formatLog(commits: readonly CommitSummary[]): string {
  const author = Math.max(1, ...commits.map((commit) => (commit.author ?? '-').length));
  const application = Math.max(1, ...commits.map((commit) => (commit.application ?? '-').length));
  return commits
    .map((commit) =>
      [
        commit.shortId,
        commit.kind.padEnd(8),
        localTime(commit.committedAt),
        (commit.author ?? '-').padEnd(author),
        (commit.application ?? '-').padEnd(application),
        commit.message.replace(/\s*\n\s*/g, ' '),
      ].join('  ') + '\n',
    )
    .join('');
}
