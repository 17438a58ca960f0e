// A client may name its commit: `SET LOCAL pggit.message = '...'` inside the
// transaction (PostgreSQL accepts any two-part setting name). Recognised by
// text, before anything is parsed, only for statements that start with SET.
// Only the first statement of the text is read: a multi-statement Query is
// looked at statement by statement.

const PATTERN = /^\s*set\s+(?:local\s+|session\s+)?pggit\.message\s*(?:=|to)\s*(?:'((?:[^']|'')*)'|E'((?:[^'\\]|\\.|'')*)')\s*(?:;|$)/i;

/** The message the statement at the start of `sql` gives, or undefined for any other statement. */
export function commitMessageOf(sql: string): string | undefined {
  if (!mayBeSet(sql)) return undefined;
  const match = PATTERN.exec(sql);
  if (!match) return undefined;
  if (match[1] !== undefined) return match[1].replaceAll("''", "'");
  return match[2]!.replace(/\\(.)/g, '$1').replaceAll("''", "'");
}

/** Cheap gate, no allocation: the first word is SET (as PATTERN needs it), so SELECT never reaches the regular expression. */
export function mayBeSet(sql: string): boolean {
  let at = 0;
  while (at < sql.length && sql.charCodeAt(at) <= 0x20) at++;
  return (sql.charCodeAt(at) | 0x20) === 0x73 && (sql.charCodeAt(at + 1) | 0x20) === 0x65 && (sql.charCodeAt(at + 2) | 0x20) === 0x74 && sql.charCodeAt(at + 3) <= 0x20;
}
