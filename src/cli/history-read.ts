// What `log`, `show` and `schema` share: where the history is (--store,
// --db, --branch) and opening it read-only. Settings come, strongest first,
// from the flag, PGGIT_* variables, the running pggit, then libpq's PG*
// variables (targets.ts).
import { openHistoryReader, type HistoryReader } from '../store/index.js';
import { selectRepository, type RefContext } from '../history/index.js';
import { UsageError } from './listen-address.js';
import { optionalSetting, type Env } from './settings.js';
import { storeUrlFor } from './targets.js';

export const READ_OPTIONS = {
  store: { type: 'string' },
  db: { type: 'string' },
  branch: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const READ_HELP = `  --store URL              the metadata store               PGGIT_STORE_URL
                           (default: the running pggit's, see "pggit status";
                           else database "pggit" on PGHOST:PGPORT as PGUSER)
  --db NAME                the database whose history to read  PGGIT_DB, PGDATABASE
                           (default: the only one in the store)
  --branch NAME            the branch HEAD means            (main)
  --json                   print JSON instead of text
  -h, --help               this text
`;

export interface ReadValues {
  readonly store?: string | undefined;
  readonly db?: string | undefined;
  readonly branch?: string | undefined;
}

/** Opens the store read-only, picks the repository and branch, runs read, closes. */
export async function withHistory<T>(values: ReadValues, env: Env, read: (reader: HistoryReader, context: RefContext) => Promise<T>): Promise<T> {
  const url = await storeUrlFor(values.store, env);
  if (url === 'off') throw new UsageError('--store off: the history commands need a store');
  const branch = values.branch ?? 'main';
  if (branch === '') throw new UsageError('--branch needs a name');
  const reader = await openHistoryReader({ url, timeZone: env['PGTZ'] || Intl.DateTimeFormat().resolvedOptions().timeZone });
  try {
    const repository = await selectRepository(reader, optionalSetting(values.db, env, ['PGGIT_DB', 'PGDATABASE']));
    return await read(reader, { repository, branch });
  } finally {
    await reader.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A time as local "YYYY-MM-DD HH:MM:SS +HH:MM". */
export function localTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${zone}`;
}
