// The zero-downtime guard's flags, shared by `proxy` and `up`.
import { DEFAULT_GUARD_POLICY, DEFAULT_MIN_ROWS, GUARD_MODES, GuardSettingError, parseHazardList, type GuardMode, type GuardPolicy } from '../proxy/index.js';
import type { HazardKind } from '../plan/index.js';
import { UsageError } from './listen-address.js';
import { optionalSetting, secondsSetting, setting, type Env } from './settings.js';

export const GUARD_OPTIONS = {
  guard: { type: 'string' },
  'guard-deny': { type: 'string' },
  'guard-warn': { type: 'string' },
  'guard-off': { type: 'string' },
  'guard-min-rows': { type: 'string' },
  'guard-allow-app': { type: 'string' },
  'guard-allow-role': { type: 'string' },
  'ddl-lock-timeout': { type: 'string' },
} as const;

export const GUARD_HELP = `  --guard off|warn|deny    what to do with hazardous DDL on a big table (zero-downtime guard)
                                                             PGGIT_GUARD (warn)
  --guard-deny HAZARDS     deny these hazards whatever --guard says, e.g. DELETES_DATA,TABLE_REWRITE
                                                             PGGIT_GUARD_DENY
  --guard-warn HAZARDS     warn about these           PGGIT_GUARD_WARN
  --guard-off HAZARDS      let these through          PGGIT_GUARD_OFF
  --guard-min-rows N       smaller tables (pg_class.reltuples) pass without a word
                                                             PGGIT_GUARD_MIN_ROWS (100000)
  --guard-allow-app NAMES  application_names the guard lets through, e.g. migrator
                                                             PGGIT_GUARD_ALLOW_APP
  --guard-allow-role NAMES roles the guard lets through   PGGIT_GUARD_ALLOW_ROLE
  --ddl-lock-timeout SECS  cancel a DDL statement that waited this long for a lock (off)
                                                             PGGIT_DDL_LOCK_TIMEOUT
`;

type GuardValues = { readonly [K in keyof typeof GUARD_OPTIONS]?: string | undefined };

export function guardSettings(values: GuardValues, env: Env): { guard: GuardPolicy } {
  const mode = setting(values.guard, env, ['PGGIT_GUARD'], DEFAULT_GUARD_POLICY.mode);
  if (!(GUARD_MODES as readonly string[]).includes(mode)) throw new UsageError(`--guard must be off, warn or deny, got "${mode}"`);
  const overrides = new Map<HazardKind, GuardMode>();
  for (const [flag, variable, as] of [['guard-off', 'PGGIT_GUARD_OFF', 'off'], ['guard-warn', 'PGGIT_GUARD_WARN', 'warn'], ['guard-deny', 'PGGIT_GUARD_DENY', 'deny']] as const) {
    const list = optionalSetting(values[flag], env, [variable]);
    if (list === undefined) continue;
    for (const kind of hazards(list, `--${flag}`)) overrides.set(kind, as);
  }
  const minRows = Number(setting(values['guard-min-rows'], env, ['PGGIT_GUARD_MIN_ROWS'], String(DEFAULT_MIN_ROWS)));
  if (!Number.isFinite(minRows) || minRows < 0) throw new UsageError('--guard-min-rows must be a number of rows, 0 or more');
  const lockTimeout = optionalSetting(values['ddl-lock-timeout'], env, ['PGGIT_DDL_LOCK_TIMEOUT']);
  const lockSeconds = lockTimeout === undefined || lockTimeout === 'off' ? undefined : secondsSetting(lockTimeout.replace(/s$/, ''), '--ddl-lock-timeout');
  return {
    guard: {
      ...DEFAULT_GUARD_POLICY,
      mode: mode as GuardMode,
      overrides,
      minRows,
      allowApplications: names(optionalSetting(values['guard-allow-app'], env, ['PGGIT_GUARD_ALLOW_APP'])),
      allowRoles: names(optionalSetting(values['guard-allow-role'], env, ['PGGIT_GUARD_ALLOW_ROLE'])),
      lockTimeoutMs: lockSeconds === undefined || lockSeconds === 0 ? undefined : lockSeconds * 1000,
    },
  };
}

function hazards(list: string, flag: string): HazardKind[] {
  try {
    return parseHazardList(list, flag);
  } catch (error) {
    if (error instanceof GuardSettingError) throw new UsageError(error.message);
    throw error;
  }
}

function names(list: string | undefined): Set<string> {
  return new Set((list ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''));
}
