// `pggit branch create|list|delete`: parses arguments and prints; the work
// is in src/branch/ (the HTTP API calls the same functions).
import { parseArgs } from 'node:util';
import { createBranchWithinLimit, deleteBranch, listBranches, pruneBranches, type BranchContext, type TableProgress } from '../../branch/index.js';
import { formatBytes, formatList, formatPrune } from '../branch-format.js';
import { branchSettings } from '../branch-settings.js';
import { selectRepository } from '../../history/index.js';
import { defaultStoreUrl, HistoryReader, openStore } from '../../store/index.js';
import { localTime, printJson } from '../history-read.js';
import { storeUrlFor, upstreamUrlFor } from '../targets.js';
import { UsageError } from '../listen-address.js';
import { optionalSetting, type Env } from '../settings.js';

export const branchHelp = `Usage: pggit branch create NAME [--from REF] [--with-data] [options]
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
  --with-data              create: copy the rows too (streaming COPY)
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
  if (action !== 'create' && (values.from !== undefined || values['with-data'])) throw new UsageError('--from and --with-data go with create');
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
    const created = await createBranchWithinLimit(context, {
      repository,
      name: name!,
      from: values.from,
      withData: values['with-data'],
      onProgress: (progress) => process.stderr.write(values.json ? `${JSON.stringify(progress)}\n` : formatProgress(progress, process.stderr.isTTY)),
    }, limits.maxBranches);
    if (values.json) printJson(created);
    else {
      const data = created.dataFrom ? `, rows of ${created.tables.length} table${created.tables.length === 1 ? '' : 's'} from ${created.dataFrom}` : '';
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

const BAR_WIDTH = 30;

/** On a terminal one line redrawn as a bar; otherwise one line per table (logs, CI). */
function formatProgress(progress: TableProgress, terminal: boolean): string {
  const line = `${progress.table}: ${progress.rows} rows, ${formatBytes(progress.bytes)} in ${progress.seconds.toFixed(1)} s`;
  if (!terminal) return `[${progress.index}/${progress.total}] ${line}\n`;
  const filled = Math.round((BAR_WIDTH * progress.index) / Math.max(1, progress.total));
  const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
  const end = progress.index === progress.total ? '\n' : '';
  return `\r\x1b[K[${bar}] ${progress.index}/${progress.total} tables  ${line}${end}`;
}
