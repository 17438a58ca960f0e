// --store, --reconcile-interval and --lock-database, shared by `proxy` and `up`.
import { DEFAULT_LOCK_DATABASE } from '../history/index.js';
import { defaultStoreUrl } from '../store/index.js';
import { secondsSetting, setting, withTlsEnvironment, type Env } from './settings.js';

export const HISTORY_OPTIONS = {
  store: { type: 'string' },
  'reconcile-interval': { type: 'string' },
  'lock-database': { type: 'string' },
} as const;

export const HISTORY_HELP = `  --store URL|off          the metadata store (history)     PGGIT_STORE_URL
                           (default: database "pggit" on the upstream server)
  --reconcile-interval SECS  compare the live catalog with history this often
                                                             PGGIT_RECONCILE_INTERVAL (60)
  --lock-database NAME     where the proxies' attribution locks are taken
                           on the upstream server          PGGIT_LOCK_DATABASE (postgres)
`;

export function historySettings(
  values: { store?: string | undefined; 'reconcile-interval'?: string | undefined; 'lock-database'?: string | undefined },
  env: Env,
  upstreamUrl: string,
): { storeUrl: string | undefined; reconcileIntervalMs: number; lockDatabase: string } {
  const store = withTlsEnvironment(setting(values.store, env, ['PGGIT_STORE_URL'], defaultStoreUrl(upstreamUrl)), env);
  const interval = secondsSetting(setting(values['reconcile-interval'], env, ['PGGIT_RECONCILE_INTERVAL'], '60'), '--reconcile-interval');
  const lockDatabase = setting(values['lock-database'], env, ['PGGIT_LOCK_DATABASE'], DEFAULT_LOCK_DATABASE);
  return { storeUrl: store === 'off' ? undefined : store, reconcileIntervalMs: Math.max(1, interval) * 1000, lockDatabase };
}
