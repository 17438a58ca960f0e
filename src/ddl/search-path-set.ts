// A session's search_path as the client sets it in SQL (`SET [LOCAL]
// search_path = app, public`, `SET search_path TO DEFAULT`, `RESET
// search_path`, `RESET ALL`), read by text for the guard, which must find a table where
// the client's session would (servers from PostgreSQL 18 on also report
// every change in a ParameterStatus, which wins). Only statements whose
// first word is SET or RESET reach the regular expression.

const HEAD = /^\s*(?:reset\s+(?:search_path|all)\s*(?:;|$)|set\s+(local\s+|session\s+)?search_path\s*(?:=|to)\s*)/i;

export interface SearchPathSet {
  /** SET LOCAL: until the transaction ends. */
  readonly local: boolean;
  /** The new value in the server's own list syntax (every name double-quoted); undefined: back to the default. */
  readonly path: string | undefined;
}

/** What the statement at the start of `sql` does to search_path, or undefined when it is not such a statement (or not one this reads). */
export function searchPathSetBy(sql: string): SearchPathSet | undefined {
  const head = HEAD.exec(sql);
  if (!head) return undefined;
  const local = (head[1] ?? '').trim().toLowerCase() === 'local';
  if (/^\s*reset/i.test(head[0])) return { local: false, path: undefined };
  const names = listAt(sql, head[0].length);
  if (names === undefined) return undefined;
  if (names.length === 1 && names[0] === DEFAULT) return { local, path: undefined };
  return { local, path: names.map(quoted).join(', ') };
}

const DEFAULT = Symbol('default');

/** The comma-separated names (strings, quoted or bare identifiers) from `at` to the statement's end. */
function listAt(sql: string, at: number): Array<string | typeof DEFAULT> | undefined {
  const names: Array<string | typeof DEFAULT> = [];
  const item = /\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([A-Za-z_$][A-Za-z_0-9$]*))\s*(,|;|$)/y;
  item.lastIndex = at;
  for (;;) {
    const match = item.exec(sql);
    if (!match) return undefined;
    if (match[1] !== undefined) names.push(match[1].replaceAll("''", "'"));
    else if (match[2] !== undefined) names.push(match[2].replaceAll('""', '"'));
    else names.push(match[3]!.toLowerCase() === 'default' ? DEFAULT : match[3]!.toLowerCase());
    if (match[4] !== ',') return names.some((name) => name === DEFAULT) && names.length > 1 ? undefined : names;
  }
}

function quoted(name: string | typeof DEFAULT): string {
  return `"${String(name).replaceAll('"', '""')}"`;
}

/** search_path from the startup packet: a `search_path` parameter, or `-c search_path=...` / `--search_path=...` in `options`. */
export function startupSearchPath(parameters: ReadonlyMap<string, string>): string | undefined {
  const direct = parameters.get('search_path');
  if (direct !== undefined) return direct;
  const option = /(?:^|\s)(?:-c\s*|--)search_path=((?:\\.|\S)*)/.exec(parameters.get('options') ?? '');
  return option ? option[1]!.replace(/\\(.)/g, '$1') : undefined;
}
