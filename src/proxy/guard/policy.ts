// What the zero-downtime guard does with each hazard: its configuration
// (--guard, --guard-deny, --guard-min-rows, --guard-allow-app, ...) and the
// pure decision for one hazard on one table of known size. The hazards and
// their names are THE list in plan/ (hazard-rules.ts), shared with `pggit diff`.
import { HAZARD_NAMES, type HazardKind } from '../../plan/index.js';

export type GuardMode = 'off' | 'warn' | 'deny';
export const GUARD_MODES: readonly GuardMode[] = ['off', 'warn', 'deny'];

/**
 * Hazards that hurt a live table: the guard acts on these by default (with
 * the --guard mode) when the table is big enough. Dropped indexes,
 * privileges, untrackable references and non-transactional statements are
 * not outages at the door: only a per-hazard override (--guard-warn
 * INDEX_DROPPED) turns them on.
 */
export const OUTAGE_HAZARDS: ReadonlySet<HazardKind> = new Set<HazardKind>([
  'DELETES_DATA',
  'TABLE_REWRITE',
  'ACCESS_EXCLUSIVE_LOCK',
  'SHARE_LOCK',
  'VALIDATES_ROWS',
]);

export interface GuardPolicy {
  /** What happens to an outage hazard without an override. */
  readonly mode: GuardMode;
  /** Per-hazard modes (--guard-deny, --guard-warn, --guard-off), stronger than mode. */
  readonly overrides: ReadonlyMap<HazardKind, GuardMode>;
  /** A table with fewer rows (pg_class.reltuples) is small: nothing waits long on it. */
  readonly minRows: number;
  /** application_name values the guard lets through untouched (a migration tool that knows what it does). */
  readonly allowApplications: ReadonlySet<string>;
  /** Roles (the session's user) the guard lets through untouched. */
  readonly allowRoles: ReadonlySet<string>;
  /** --ddl-lock-timeout: a DDL statement waiting longer than this for a lock is cancelled; undefined: off. */
  readonly lockTimeoutMs: number | undefined;
  /** How long a table's size is trusted before it is read again. */
  readonly sizeTtlMs: number;
}

export const DEFAULT_MIN_ROWS = 100_000;

export const DEFAULT_GUARD_POLICY: GuardPolicy = {
  mode: 'warn',
  overrides: new Map(),
  minRows: DEFAULT_MIN_ROWS,
  allowApplications: new Set(),
  allowRoles: new Set(),
  lockTimeoutMs: undefined,
  sizeTtlMs: 60_000,
};

/** The guard has nothing to do: no session pays for it. */
export function guardIsOff(policy: GuardPolicy): boolean {
  return policy.mode === 'off' && ![...policy.overrides.values()].some((mode) => mode !== 'off') && policy.lockTimeoutMs === undefined;
}

/**
 * Some statement may be denied (replaced before it reaches the server): only
 * then must a statement that arrives in several reads be held until whole.
 * Warnings never change the bytes, so with warn alone a long statement (a
 * 15 MB bulk INSERT) streams through as it comes.
 */
export function guardMayDeny(policy: GuardPolicy): boolean {
  return policy.mode === 'deny' || [...policy.overrides.values()].includes('deny');
}

/** The mode for one hazard kind, before sizes and exemptions. */
export function modeFor(policy: GuardPolicy, kind: HazardKind): GuardMode {
  return policy.overrides.get(kind) ?? (OUTAGE_HAZARDS.has(kind) ? policy.mode : 'off');
}

/** A session the guard leaves alone (its role or application is exempted). */
export function sessionExempt(policy: GuardPolicy, role: string, application: string): boolean {
  return policy.allowRoles.has(role) || policy.allowApplications.has(application);
}

/** `DELETES_DATA,TABLE_REWRITE` as hazard kinds; an unknown name is an error that lists the known ones. */
export function parseHazardList(list: string, flag: string): HazardKind[] {
  const names = list.split(/[\s,]+/).filter((name) => name !== '').map((name) => name.toUpperCase());
  for (const name of names) {
    if (!(HAZARD_NAMES as readonly string[]).includes(name)) {
      throw new GuardSettingError(`${flag}: unknown hazard "${name}"; the hazards are ${HAZARD_NAMES.join(', ')}`);
    }
  }
  return names as HazardKind[];
}

export class GuardSettingError extends Error {}
