// A transaction may let the proxy's guard pass hazards it would stop:
// `SET LOCAL pggit.allow = 'TABLE_REWRITE, DELETES_DATA'` (any two-part
// setting name is accepted by PostgreSQL, so the server runs it too).
// Recognised by text, like pggit.message, only for statements that start
// with SET.

const PATTERN = /^\s*set\s+(local\s+|session\s+)?pggit\.allow\s*(?:=|to)\s*(?:'([^']*)'|([A-Za-z_][A-Za-z_0-9]*))\s*(?:;|$)/i;

export interface GuardAllowance {
  /** SET LOCAL: until the transaction ends; otherwise for the session. */
  readonly local: boolean;
  /** Hazard names, upper case, as written (unknown names are kept: the guard ignores them). */
  readonly hazards: readonly string[];
}

/** The allowance the statement at the start of `sql` sets, or undefined for any other statement. */
export function guardAllowanceOf(sql: string): GuardAllowance | undefined {
  let at = 0;
  while (at < sql.length && sql.charCodeAt(at) <= 0x20) at++;
  // Cheap gate, no allocation: the first word must be SET (SELECT must not reach the regular expression).
  if ((sql.charCodeAt(at) | 0x20) !== 0x73 || (sql.charCodeAt(at + 1) | 0x20) !== 0x65 || (sql.charCodeAt(at + 2) | 0x20) !== 0x74) return undefined;
  const match = PATTERN.exec(sql);
  if (!match) return undefined;
  const list = match[2] ?? match[3] ?? '';
  const hazards = list.split(/[\s,]+/).filter((name) => name !== '').map((name) => name.toUpperCase());
  return { local: (match[1] ?? '').trim().toLowerCase() === 'local', hazards };
}
