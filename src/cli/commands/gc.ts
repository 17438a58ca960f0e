// `pggit gc`: parses arguments and prints; the work is collectGarbage (src/store/gc.ts).
import { parseArgs } from 'node:util';
import { collectGarbage, openStore, type GcResult } from '../../store/index.js';
import { formatBytes } from '../../plan/index.js';
import { printJson } from '../history-read.js';
import { UsageError } from '../listen-address.js';
import { storeUrlFor } from '../targets.js';
import type { Env } from '../settings.js';

export const gcHelp = `Usage: pggit gc [--expire-deleted INTERVAL] [--dry-run] [options]

Removes from the metadata store what no branch needs: with --expire-deleted,
the history of branches deleted longer ago than INTERVAL (their rows, and
the commits no other branch or merge in progress reaches); always, stored
trees no commit has and definitions nothing refers to. Prints the store's
size (its tables and indexes) before and after. Safe while proxies record:
it holds their writes for the moment it runs (at most --lock-timeout).

Options:
  --expire-deleted INTERVAL  also drop the history of branches deleted more
                           than INTERVAL ago (30d, 12 hours, 0 for all of them;
                           any PostgreSQL interval). Default: keep it
  --dry-run                count what would go, change nothing
  --full                   VACUUM FULL afterwards: give the space back to the
                           operating system (writers wait while each table is
                           rewritten). Default: plain VACUUM, the space is
                           reused by new history and the size may not drop
  --lock-timeout SECS      give up if writers hold the store longer (10)
  --store URL              the metadata store               PGGIT_STORE_URL
                           (default: the running pggit's, see "pggit status")
  --json                   print JSON
  -h, --help               this text
`;

export async function runGc(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'expire-deleted': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'lock-timeout': { type: 'string' },
      full: { type: 'boolean' },
      store: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(gcHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const lockSeconds = Number(values['lock-timeout'] ?? '10');
  if (!Number.isFinite(lockSeconds) || lockSeconds <= 0) throw new UsageError(`--lock-timeout must be a positive number of seconds, got "${values['lock-timeout']}"`);
  const storeUrl = await storeUrlFor(values.store, env);
  if (storeUrl === 'off') throw new UsageError('--store off: gc needs the metadata store');
  const store = await openStore({ url: storeUrl });
  try {
    await store.ensureReady();
    const result = await collectGarbage(store.pool, {
      dryRun: values['dry-run'],
      expireDeleted: values['expire-deleted'],
      lockTimeoutMs: Math.round(lockSeconds * 1000),
      full: values.full,
    }).catch((error: unknown) => {
      throw explain(error, values['expire-deleted']);
    });
    if (values.json) printJson(result);
    else process.stdout.write(formatGc(result));
    return 0;
  } finally {
    await store.pool.end();
  }
}

function explain(error: unknown, interval: string | undefined): unknown {
  const code = (error as { code?: string }).code;
  if (code === '22007' || code === '22008' || code === '22015') {
    return new UsageError(`--expire-deleted "${interval}" is not a PostgreSQL interval (for example 30d, 12 hours, 0)`);
  }
  if (code === '55P03') return new Error('the store stayed busy with writers longer than --lock-timeout; nothing was removed, try again');
  return error;
}

function formatGc(result: GcResult): string {
  const { removed } = result;
  const verb = result.dryRun ? 'would remove' : 'removed';
  const parts = [
    `${removed.branches} deleted branch${removed.branches === 1 ? '' : 'es'}`,
    `${removed.commits} commit${removed.commits === 1 ? '' : 's'}`,
    `${removed.trees} tree${removed.trees === 1 ? '' : 's'}`,
    `${removed.definitions} definition${removed.definitions === 1 ? '' : 's'}`,
  ];
  const size = result.dryRun
    ? `store size ${formatBytes(result.storeBytesBefore)} (dry run: nothing removed)`
    : `store size ${formatBytes(result.storeBytesBefore)} before, ${formatBytes(result.storeBytesAfter)} after${result.storeBytesAfter >= result.storeBytesBefore && Object.values(removed).some((n) => n > 0) ? ' (the space is reused by new history; --full gives it back to the operating system)' : ''}`;
  return `${verb} ${parts.join(', ')}\n${size}\n`;
}
