// The planner's vocabulary: a plan is statements as data, in the order they
// run, each naming the object it acts on, what it does and its hazards.
import type { HazardKind } from './hazard-kinds.js';

export type PlanAction = 'create' | 'drop' | 'alter' | 'rename' | 'replace';

export interface Hazard {
  readonly kind: HazardKind;
  /** Why, in words: `drops table public.users`, `SET NOT NULL scans every row`. */
  readonly detail: string;
  /** The relation at stake, schema-qualified as in SQL, when there is one. */
  readonly relation?: string;
  /** Filled in where the database is live (see annotateSizes). */
  readonly rows?: number;
  readonly bytes?: number;
}

export interface PlanStatement {
  /** One or more SQL statements, each ending in `;`. */
  readonly sql: string;
  /** The object key it acts on (`table:public.users`). */
  readonly object: string;
  readonly action: PlanAction;
  /** What the statement does in words, where `action object` would not say it (a column rename names the column). */
  readonly label?: string;
  readonly hazards: readonly Hazard[];
  /** False for statements that cannot run inside a transaction block (or whose result a later statement of the same transaction could not use). */
  readonly transactional: boolean;
  /** For a non-transactional statement: whether it runs before the transaction (others need it) or after. */
  readonly phase?: 'before' | 'after';
}

/**
 * Object identity as seen when each side's snapshot was read: an identity
 * (e.g. the oid) per object key, and per table key its columns' identities
 * (attnum) by column name. Two keys with the same identity on both sides are
 * the same object renamed; a side with no identities knows no renames.
 */
export interface SideIdentities {
  readonly objects: ReadonlyMap<string, string>;
  readonly columns?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export interface Identities {
  readonly from?: SideIdentities;
  readonly to?: SideIdentities;
}
