// `pggit branch create|list|delete`: parses arguments and prints; the work
// is in src/branch/ (the HTTP API calls the same functions).
import { parseArgs } from 'node:util';
import {
  createBranchWithinLimit,
  deleteBranch,
  describeSession,
  listBranches,
  pruneBranches,
  type BranchContext,
  type SourceSession,
} from '../../branch/index.js';
import { formatProgress, progressStyle } from '../branch-progress.js';
import { formatList, formatPrune } from '../branch-format.js';
import { branchSettings } from '../branch-settings.js';
import { selectRepository } from '../../history/index.js';
import { defaultStoreUrl, HistoryReader, openStore } from '../../store/index.js';
import { printJson } from '../history-read.js';
import { storeUrlFor, upstreamUrlFor } from '../targets.js';
import { UsageError } from '../listen-address.js';
import { optionalSetting, type Env } from '../settings.js';

export const branchHelp = `Usage: pggit branch create NAME [--from REF] [--with-data [--jobs N] | --clone [--terminate]] [options]
       pggit branch list [options]
       pggit branch delete NAME [--force] [options]
       pggit branch prune [--merged] [--idle-for INTERVAL] [--dry-run] [--force] [options]

A branch is a database of its own on the upstream server with the schema
(and, if asked, the data) of another branch. Clients reach it through the
proxy as database "REPO@NAME", or with the startup option
"-c pggit.branch=NAME"; its DDL is recorded on branch NAME.

  create NAME    build the branch's database from the recorded schema at
                 REF (default: main's head); --with-data also copies the rows
                 of the source branch's tables (REF must be that branch's head)
  list           branches with head, start commit, database, size ("!" over
                 --branch-size-warn), open sessions, the last session through
                 pggit, and whether merged into its parent (the branch it
                 started from: its head is in the parent's history)
  delete NAME    drop the branch's database; its history stays readable.
                 Refuses main, and a branch with open sessions unless --force
                 (which ends them)
  prune          delete the branches matching every criterion given:
                 --merged (merged into its parent), --idle-for INTERVAL (no
                 session through pggit for that long: 14d, 12h, 2w; any
                 PostgreSQL interval). Never main; skips branches with open
                 sessions unless --force. Prints the space freed

Options:
  --db NAME                the repository (database)     PGGIT_DB, PGDATABASE
                           (default: the only one in the store)
  --from REF               create: where the branch starts (a branch, commit
                           id or prefix, main~2, main@{yesterday})
  --with-data              create: copy the rows too: parallel COPY (binary where
                           the types allow, big tables split by page ranges) in
                           one snapshot of the source, then indexes, constraints
                           and triggers; progress on stderr. Faster than pg_dump
                           -j | pg_restore -j, but every row goes through WAL and
                           every index is rebuilt: for TEMPLATE's speed, --clone
  --jobs N                 create --with-data: workers copying at once (tables,
                           or page ranges of a big one; default:
                           this machine's cores when the server is local, else
                           4; at most 8, and what the server's connections allow)
  --clone                  create: copy the source database's files on the server
                           (CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY,
                           PostgreSQL 15+; on 18 with file_copy_method = clone, a
                           reflink copy on XFS/Btrfs/ZFS). The source must have
                           no other sessions
  --terminate              create --clone: end the source's other sessions
                           (printed first)
  --force                  delete, prune: end open sessions
  --merged                 prune: branches merged into their parent
  --idle-for INTERVAL      prune: branches without a session for that long
  --dry-run                prune: say what would go, delete nothing
  --branch-size-warn SIZE  list: flag branches larger than this (10GB)
                                                             PGGIT_BRANCH_SIZE_WARN
  --max-branches N         create: refuse beyond N branches besides main
                           (SQLSTATE 53400)                  PGGIT_MAX_BRANCHES
  --store URL              the metadata store               PGGIT_STORE_URL
                           (default: the running pggit's, see "pggit status";
                           else database "pggit" on the upstream server)
  --upstream URL           the server, as a role that may CREATE/DROP DATABASE
                           PGGIT_UPSTREAM, else the running pggit's, else PGHOST/PGPORT/PGUSER
  --json                   print JSON (create: per-table progress as JSON lines on stderr)
  -h, --help               this text
`;

export async function runBranch(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      from: { type: 'string' },
      'with-data': { type: 'boolean' },
      jobs: { type: 'string' },
      clone: { type: 'boolean' },
      terminate: { type: 'boolean' },
      force: { type: 'boolean' },
      merged: { type: 'boolean' },
      'idle-for': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'branch-size-warn': { type: 'string' },
      'max-branches': { type: 'string' },
      store: { type: 'string' },
      upstream: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(branchHelp);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (action === 'list' || action === 'prune') {
    if (name !== undefined) throw new UsageError(`unexpected argument "${name}"`);
  } else if (action === 'create' || action === 'delete') {
    if (name === undefined) throw new UsageError(`branch ${action} needs a branch NAME`);
  } else {
    throw new UsageError(action === undefined ? 'expected create, list, delete or prune' : `unknown action "${action}" (expected create, list, delete or prune)`);
  }
  if (action !== 'create' && (values.from !== undefined || values['with-data'] || values.jobs !== undefined || values.clone || values.terminate)) {
    throw new UsageError('--from, --with-data, --jobs, --clone and --terminate go with create');
  }
  if (values.terminate && !values.clone) throw new UsageError('--terminate goes with --clone');
  if (values.jobs !== undefined && values.clone) throw new UsageError('--jobs goes with --with-data (parallel COPY), not --clone');
  if (values.jobs !== undefined && !values['with-data']) throw new UsageError('--jobs goes with --with-data');
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) throw new UsageError(`--jobs must be a whole number from 1 to 64, not "${values.jobs}"`);
  if (action !== 'delete' && action !== 'prune' && values.force) throw new UsageError('--force goes with delete and prune');
  if (action !== 'prune' && (values.merged || values['idle-for'] !== undefined || values['dry-run'])) throw new UsageError('--merged, --idle-for and --dry-run go with prune');
  const limits = branchSettings(values, env);

  const upstream = await upstreamUrlFor(values.upstream, env);
  // --upstream alone means that server's store, unless a store is named.
  const storeUrl =
    values.upstream !== undefined && values.store === undefined && !env['PGGIT_STORE_URL'] ? defaultStoreUrl(upstream) : await storeUrlFor(values.store, env);
  if (storeUrl === 'off') throw new UsageError('--store off: branches need the metadata store');
  const store = await openStore({ url: storeUrl });
  try {
    const context: BranchContext = { store, upstreamUrl: upstream };
    const repository = await selectRepository(new HistoryReader(store.pool, storeUrl), optionalSetting(values.db, env, ['PGGIT_DB', 'PGDATABASE']));
    if (action === 'list') {
      const branches = await listBranches(context, repository, { sizeWarnBytes: limits.branchSizeWarnBytes });
      if (values.json) printJson({ repository, branches });
      else process.stdout.write(formatList(branches, limits.branchSizeWarnBytes));
      return 0;
    }
    if (action === 'prune') {
      const pruned = await pruneBranches(context, { repository, merged: values.merged, idleFor: values['idle-for'], dryRun: values['dry-run'], force: values.force });
      if (values.json) printJson(pruned);
      else process.stdout.write(formatPrune(pruned));
      return 0;
    }
    if (action === 'delete') {
      const deleted = await deleteBranch(context, { repository, name: name!, force: values.force });
      if (values.json) printJson(deleted);
      else {
        const ended = deleted.terminatedSessions > 0 ? `; ended ${deleted.terminatedSessions} session${deleted.terminatedSessions === 1 ? '' : 's'}` : '';
        process.stdout.write(`deleted branch ${deleted.name} of ${repository} (dropped database "${deleted.database}"${ended}); its history stays in the store\n`);
      }
      return 0;
    }
    const style = progressStyle(values.json, process.stderr.isTTY);
    const created = await createBranchWithinLimit(context, {
      repository,
      name: name!,
      from: values.from,
      withData: values['with-data'],
      jobs,
      clone: values.clone,
      terminate: values.terminate,
      onTerminate: (sessions) => process.stderr.write(formatTerminating(sessions, values.json)),
      onProgress: (progress) => process.stderr.write(formatProgress(progress, style)),
    }, limits.maxBranches);
    if (values.json) printJson(created);
    else {
      const data = created.dataFrom ? `, ${dataLine(created.method, created.tables.length, created.jobs)} from ${created.dataFrom}` : '';
      if (created.note) process.stderr.write(`note: ${created.note}\n`);
      if (created.method === 'copy') process.stderr.write(`${CLONE_HINT}\n`);
      process.stdout.write(
        `created branch ${created.name} of ${repository} at ${created.head.slice(0, 12)} (${created.from}${data}) in ${created.seconds.toFixed(1)} s\n` +
          `connect to database "${repository}@${created.name}" through the proxy (or set options=-c pggit.branch=${created.name})\n`,
      );
    }
    return 0;
  } finally {
    await store.pool.end();
  }
}

/** A logical copy writes every row through WAL and rebuilds every index: --clone is what gets TEMPLATE's speed. */
const CLONE_HINT =
  'hint: --with-data copies rows, like pg_dump | pg_restore; for the speed of CREATE DATABASE ... TEMPLATE (or a near-instant reflink copy on PostgreSQL 18 over XFS, Btrfs or ZFS) use --clone, which needs the source to have no other sessions';

function dataLine(method: string, tables: number, jobs: number | null): string {
  // PostgreSQL does not say whether the filesystem shared the blocks (copy_file_range may copy them): only what was asked.
  if (method === 'clone') return 'a file copy of the database (file_copy_method = clone: blocks shared where the filesystem can reflink)';
  if (method === 'file_copy') return 'a file copy of the database';
  return `rows of ${tables} table${tables === 1 ? '' : 's'} (${jobs} job${jobs === 1 ? '' : 's'})`;
}

function formatTerminating(sessions: readonly SourceSession[], json: boolean | undefined): string {
  if (json) return `${JSON.stringify({ event: 'terminating', sessions })}\n`;
  return `ending ${sessions.length} session${sessions.length === 1 ? '' : 's'} on the source: ${sessions.map(describeSession).join(', ')}\n`;
}
