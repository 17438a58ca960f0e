// `pggit revert REF`: parses arguments and prints; the work is in
// src/branch/revert.ts (POST /api/revert calls the same function).
import { parseArgs } from 'node:util';
import { revertCommit, type RevertResult } from '../../branch/index.js';
import { loadParser } from '../../ddl/index.js';
import { shortId } from '../../history/index.js';
import { renderPlan } from '../../plan/index.js';
import { printJson } from '../history-read.js';
import { withBranchContext } from '../branch-context.js';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';
import { REF_HELP } from './show.js';

export const revertHelp = `Usage: pggit revert REF [options]

Undoes what commit REF changed (relative to its first parent) on the head of
--branch, as a three-way merge: base REF, ours the branch head, theirs REF's
parent. An object a later commit changed again is a conflict: nothing is
applied, the conflicts are listed, exit 1. Otherwise the plan (as pggit diff
prints it) runs on the branch's database in one transaction (statements that
cannot run in one go before or after it) and a commit of kind "revert" is
recorded. The branch stays locked from planning to recording (no commit
lands in between), and a database with changes the history has not recorded
yet is refused. A plan that deletes data (DELETES_DATA) is refused unless
--force; the refusal says how many rows each table or column holds.

Options:
  --branch NAME            where to revert (default: the branch REF was recorded on)
  --dry-run                print the plan and the conflicts; change nothing
  --force                  apply even when the plan deletes data
  --db NAME                the repository (database)     PGGIT_DB, PGDATABASE
  --store URL              the metadata store               PGGIT_STORE_URL
  --upstream URL           the server, as the proxy's role  PGGIT_UPSTREAM, else PGHOST/PGPORT/PGUSER
  --json                   print JSON: {"repository","branch","reverted","head","statements",
                           "summary","conflicts":[{"key","kind","reason","changedBy","base","ours",
                           "theirs"}],"applied","commit"}
  -h, --help               this text

${REF_HELP}`;

export async function runRevert(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      branch: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      db: { type: 'string' },
      store: { type: 'string' },
      upstream: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(revertHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'expected the commit to revert (REF)' : `unexpected argument "${positionals[1]}"`);
  await loadParser();
  return withBranchContext(values, env, 'revert needs', async (context, repository) => {
    const result = await revertCommit(context, {
      repository,
      ref: positionals[0]!,
      branch: values.branch,
      dryRun: values['dry-run'],
      force: values.force,
    });
    if (values.json) printJson(result);
    else process.stdout.write(formatRevert(result));
    return result.conflicts.length > 0 ? 1 : 0;
  });
}

function formatRevert(result: RevertResult): string {
  const what = `revert ${shortId(result.reverted)} on branch ${result.branch} (head ${shortId(result.head)})`;
  if (result.conflicts.length > 0) {
    const lines = result.conflicts.map((conflict) => `  ${conflict.kind.padEnd(14)} ${conflict.key}\n  ${''.padEnd(14)} ${conflict.reason}`);
    return `${what}: ${result.conflicts.length} conflict${result.conflicts.length === 1 ? '' : 's'}, nothing applied; later commits changed:\n${lines.join('\n')}\n`;
  }
  if (result.statements.length === 0) return `${what}: nothing to undo, the branch already has that schema\n`;
  const script = renderPlan(result.statements, { from: shortId(result.head), to: `revert of ${shortId(result.reverted)}` });
  if (!result.applied) return script;
  return `${what}: applied ${result.statements.length} statement${result.statements.length === 1 ? '' : 's'}, recorded commit ${result.commit ? shortId(result.commit) : '(none: no change)'}\n`;
}
