// What the commands that change branches (branch, revert, merge) need: the
// metadata store, the upstream server as the proxy's role, and the
// repository; --upstream alone means that server's store.
import type { BranchContext } from '../branch/index.js';
import { selectRepository } from '../history/index.js';
import { defaultStoreUrl, HistoryReader, openStore } from '../store/index.js';
import { UsageError } from './listen-address.js';
import { optionalSetting, type Env } from './settings.js';
import { storeUrlFor, upstreamUrlFor } from './targets.js';

export interface BranchContextValues {
  readonly upstream?: string | undefined;
  readonly store?: string | undefined;
  readonly db?: string | undefined;
}

export async function withBranchContext<T>(values: BranchContextValues, env: Env, needs: string, fn: (context: BranchContext, repository: string) => Promise<T>): Promise<T> {
  const upstream = await upstreamUrlFor(values.upstream, env);
  const storeUrl =
    values.upstream !== undefined && values.store === undefined && !env['PGGIT_STORE_URL'] ? defaultStoreUrl(upstream) : await storeUrlFor(values.store, env);
  if (storeUrl === 'off') throw new UsageError(`--store off: ${needs} the metadata store`);
  const store = await openStore({ url: storeUrl });
  try {
    const repository = await selectRepository(new HistoryReader(store.pool, storeUrl), optionalSetting(values.db, env, ['PGGIT_DB', 'PGDATABASE']));
    return await fn({ store, upstreamUrl: upstream }, repository);
  } finally {
    await store.pool.end();
  }
}
