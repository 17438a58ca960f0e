// The hazards a schema change can carry, with what each means. Shared by the
// planner (per planned statement) and the proxy's guard (per statement on
// the wire).
export const HAZARD_KINDS = {
  DELETES_DATA: 'drops a table, column, sequence or enum value, and the data in it',
  TABLE_REWRITE: 'rewrites the whole table (type change, volatile default, ...): time and disk grow with its size',
  ACCESS_EXCLUSIVE_LOCK: 'takes an ACCESS EXCLUSIVE lock: every query on the table waits until it is done',
  SHARE_LOCK: 'builds an index without CONCURRENTLY: writes to the table wait until it is done',
  VALIDATES_ROWS: 'scans every row to check it (SET NOT NULL, a valid CHECK or FOREIGN KEY); prefer NOT VALID + VALIDATE',
  INDEX_DROPPED: 'drops an index: queries that used it may get slower',
  NOT_TRANSACTIONAL: 'cannot run inside a transaction block: it runs on its own, before or after the rest',
  AUTHZ: 'changes who may do what (grants, policies, row-level security)',
  UNTRACKABLE: 'a function body may reference objects by name; pggit cannot see those references',
} as const;

export type HazardKind = keyof typeof HAZARD_KINDS;

export const HAZARD_NAMES = Object.keys(HAZARD_KINDS) as HazardKind[];
