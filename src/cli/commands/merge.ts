// `pggit merge SOURCE [--into TARGET]` and the merge in progress
// (--status, --resolve, --continue, --abort): parses arguments and prints;
// the work is in src/branch/merge*.ts (the HTTP API calls the same).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { abortMerge, continueMerge, mergeBranches, mergeStatus, resolveMergeConflict, type MergeOutcome } from '../../branch/index.js';
import { loadParser } from '../../ddl/index.js';
import { shortId } from '../../history/index.js';
import { renderPlan } from '../../plan/index.js';
import type { Resolution } from '../../store/index.js';
import { withBranchContext } from '../branch-context.js';
import { printJson } from '../history-read.js';
import { pageLink } from '../page-link.js';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';

export const mergeHelp = `Usage: pggit merge SOURCE [--into TARGET] [--dry-run] [--force] [--json]
       pggit merge --status | --continue | --abort [--into TARGET]
       pggit merge --resolve KEY (--ours | --theirs | --sql FILE) [--into TARGET]

Three-way merge of branch SOURCE into TARGET (default main): base is the
nearest common ancestor of the two heads, ours TARGET's head, theirs
SOURCE's head. Objects are followed through renames; a change on one side
is taken, the same change on both is fine, a table changed on both sides
merges column by column. A clean merge's plan (as pggit diff prints it) runs
on TARGET's database in one transaction and a commit of kind "merge" with
both heads as parents is recorded; a plan that deletes data needs --force.

Conflicts (add/add, modify/modify, modify/delete, delete/modify,
rename/rename, name-taken, dangling-reference, enum-labels, column-type,
primary-key, partition-key) apply nothing and exit 1: the merge is kept in
the store as in progress for TARGET, for any process to resolve and finish.

Options:
  --into TARGET            the branch merged into (default main)
  --dry-run                print the plan and the conflicts; change nothing
  --force                  apply even when the plan deletes data
  --status                 the merge in progress and its conflicts, resolved or not
  --resolve KEY            settle one conflict (its key as pggit show prints it):
    --ours | --theirs        take TARGET's or SOURCE's definition
    --sql FILE               take the definition in FILE (an empty file: the object goes)
  --continue               when every conflict is resolved: plan, apply, record the merge
  --abort                  forget the merge in progress; nothing was changed
  --db NAME                the repository (database)     PGGIT_DB, PGDATABASE
  --store URL              the metadata store               PGGIT_STORE_URL
  --upstream URL           the server, as the proxy's role  PGGIT_UPSTREAM, else PGHOST/PGPORT/PGUSER
  --json                   print JSON: {"source","target","base","fastForward","plan":[statement...],
                           "conflicts":[{"key","kind","base","ours","theirs","resolution"}], ...}
  -h, --help               this text
`;

const OPTIONS = {
  into: { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  status: { type: 'boolean' },
  resolve: { type: 'string' },
  ours: { type: 'boolean' },
  theirs: { type: 'boolean' },
  sql: { type: 'string' },
  continue: { type: 'boolean' },
  abort: { type: 'boolean' },
  db: { type: 'string' },
  store: { type: 'string' },
  upstream: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runMerge(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(mergeHelp);
    return 0;
  }
  const modes = (['status', 'continue', 'abort'] as const).filter((mode) => values[mode]);
  if (values.resolve !== undefined) modes.push('resolve' as never);
  if (modes.length > 1) throw new UsageError(`--${modes.join(', --')}: pick one`);
  const mode = modes[0] as 'status' | 'continue' | 'abort' | 'resolve' | undefined;
  if (mode === undefined && positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'expected the branch to merge (SOURCE)' : `unexpected argument "${positionals[1]}"`);
  if (mode !== undefined && positionals.length > 0) throw new UsageError(`--${mode} takes no SOURCE (name the target with --into)`);
  const sides = [values.ours, values.theirs, values.sql !== undefined].filter(Boolean).length;
  if (mode === 'resolve' && sides !== 1) throw new UsageError('--resolve KEY needs one of --ours, --theirs, --sql FILE');
  if (mode !== 'resolve' && sides > 0) throw new UsageError('--ours, --theirs and --sql go with --resolve KEY');
  const resolution: Resolution | undefined = mode !== 'resolve' ? undefined : values.sql !== undefined ? { sql: await readFile(values.sql, 'utf8') } : { take: values.ours ? 'ours' : 'theirs' };
  await loadParser();
  return withBranchContext(values, env, 'merge needs', async (context, repository) => {
    const target = values.into;
    if (mode === 'abort') {
      const aborted = await abortMerge(context, { repository, target });
      if (values.json) printJson(aborted);
      else process.stdout.write(`aborted the merge into ${aborted.target}; nothing was changed\n`);
      return 0;
    }
    const outcome =
      mode === 'status' ? await mergeStatus(context, { repository, target })
      : mode === 'resolve' ? await resolveMergeConflict(context, { repository, target, key: values.resolve!, resolution: resolution! })
      : mode === 'continue' ? await continueMerge(context, { repository, target, force: values.force, dryRun: values['dry-run'] })
      : await mergeBranches(context, { repository, source: positionals[0]!, target, dryRun: values['dry-run'], force: values.force, startedBy: env['USER'] });
    if (values.json) printJson(outcome);
    else {
      process.stdout.write(formatMerge(outcome, mode));
      const open = outcome.inProgress && outcome.conflicts.some((conflict) => conflict.resolution === null);
      const link = open ? await pageLink(values, env, repository, 'merge', outcome.target) : undefined;
      if (link) process.stdout.write(`the conflicts side by side: ${link}\n`);
    }
    return mode === undefined && outcome.conflicts.some((conflict) => conflict.resolution === null) ? 1 : 0;
  });
}

function formatMerge(outcome: MergeOutcome, mode: string | undefined): string {
  const lines: string[] = [];
  const what = `merge ${outcome.source} into ${outcome.target}`;
  if (outcome.upToDate) return `${what}: already up to date (${shortId(outcome.theirs)} is in ${outcome.target}'s history)\n`;
  lines.push(`${what}: base ${outcome.base ? shortId(outcome.base) : '(none: no common history)'}, ours ${shortId(outcome.ours)}, theirs ${shortId(outcome.theirs)}`);
  if (outcome.bases.length > 1) lines.push(`criss-cross history: ${outcome.bases.length} nearest common ancestors (${outcome.bases.map(shortId).join(', ')}); merging from the most recent, ${shortId(outcome.bases[0]!)}`);
  if (outcome.fastForward) lines.push(`fast-forward: ${outcome.target} has no commits of its own since the base; the plan is ${outcome.source}'s changes, and the merge commit still records both parents`);
  const open = outcome.conflicts.filter((conflict) => conflict.resolution === null);
  for (const conflict of outcome.conflicts) {
    const state = conflict.resolution === null ? 'unresolved' : 'take' in conflict.resolution ? `resolved: ${conflict.resolution.take}` : 'resolved: sql';
    lines.push(`  ${conflict.kind.padEnd(18)} ${conflict.key}  (${state}) ${conflict.detail}`);
  }
  if (outcome.applied) {
    lines.push(`applied ${outcome.plan.length} statement${outcome.plan.length === 1 ? '' : 's'}, recorded merge commit ${outcome.commit ? shortId(outcome.commit) : '(none)'} (parents ${shortId(outcome.ours)}, ${shortId(outcome.theirs)})`);
  } else if (open.length > 0) {
    lines.push(mode === undefined && outcome.inProgress
      ? `${open.length} conflict${open.length === 1 ? '' : 's'}, nothing applied; the merge is in progress for ${outcome.target}: pggit merge --resolve KEY --ours|--theirs|--sql FILE, then --continue (or --abort)`
      : `${open.length} conflict${open.length === 1 ? '' : 's'} unresolved${outcome.inProgress ? '' : '; nothing applied'}`);
  } else if (outcome.plan.length === 0) {
    lines.push('no schema change to apply');
  } else {
    lines.push(renderPlan(outcome.plan, { from: shortId(outcome.ours), to: `merge of ${outcome.source}` }).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
