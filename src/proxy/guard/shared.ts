// The guard's process-wide part: the policy, the table-size cache and the
// proxy's own connections (as the proxy's configured user, never a client's).
import { CatalogPools } from '../../history/index.js';
import type { ProxyMetrics } from '../../metrics/index.js';
import { guardIsOff, type GuardPolicy } from './policy.js';
import type { GuardShared } from './session-guard.js';
import { TableSizes } from './table-sizes.js';

export interface RunningGuard {
  readonly shared: GuardShared;
  stop(): Promise<void>;
}

/** Undefined when the policy leaves nothing to do: sessions then pay nothing. */
export function startGuard(policy: GuardPolicy, upstreamUrl: string, metrics: ProxyMetrics | undefined): RunningGuard | undefined {
  if (guardIsOff(policy)) return undefined;
  // Named in PGGIT_APPLICATIONS (branch/source-sessions.ts): not a client session for branch list, delete or --clone.
  const pools = new CatalogPools(upstreamUrl, { applicationName: 'pggit guard' });
  const poolFor = (database: string) => pools.pool(database);
  return {
    shared: { policy, sizes: new TableSizes(poolFor, policy.sizeTtlMs), poolFor, metrics },
    stop: () => pools.end(),
  };
}
