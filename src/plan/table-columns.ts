// A table's CREATE statement read back into columns, each cut into the
// clauses the catalog writes (see history/catalog/columns.ts): name, type
// [COLLATE], DEFAULT expr | GENERATED ALWAYS AS (expr) STORED, NOT NULL,
// GENERATED ... AS IDENTITY (...). The rest of the statement (UNLOGGED,
// OF type, INHERITS, PARTITION BY, WITH, ...) is its shape: when the shape
// changes the table cannot be altered column by column.
import { SqlText } from './sql-tokens.js';

export interface TableColumn {
  readonly name: string;
  /** The whole element as written in CREATE TABLE (what ADD COLUMN takes). */
  readonly text: string;
  /** Type with its COLLATE clause, or `WITH OPTIONS` in a typed table. */
  readonly type: string;
  readonly default: string | null;
  /** `GENERATED ALWAYS AS (...) STORED`, whole. */
  readonly generated: string | null;
  readonly notNull: boolean;
  /** `GENERATED ... AS IDENTITY (...)`, whole. */
  readonly identity: string | null;
}

export interface TableHead {
  /** The statement with the column list left out (and the table name replaced), for comparing shapes. */
  readonly shape: string;
  readonly columns: readonly TableColumn[];
  readonly typed: boolean;
}

function column(sql: SqlText, first: number, last: number): TableColumn {
  const name = sql.tokens[first]!.text;
  const cuts: Array<{ at: number; kind: 'collate' | 'default' | 'notnull' | 'generated' }> = [];
  let depth = 0;
  for (let i = first + 1; i <= last; i += 1) {
    const text = sql.tokens[i]!.text;
    if (text === '(' || text === '[') depth += 1;
    else if (text === ')' || text === ']') depth -= 1;
    if (depth !== 0) continue;
    const word = sql.keyword(i);
    if (word === 'COLLATE' && cuts.length === 0) cuts.push({ at: i, kind: 'collate' });
    else if (word === 'DEFAULT' && sql.keyword(i - 1) !== 'BY' && !cuts.some((c) => c.kind === 'default' || c.kind === 'generated')) cuts.push({ at: i, kind: 'default' });
    else if (word === 'NOT' && sql.keyword(i + 1) === 'NULL' && (i + 1 === last || sql.keyword(i + 2) === 'GENERATED')) cuts.push({ at: i, kind: 'notnull' });
    else if (word === 'GENERATED') cuts.push({ at: i, kind: 'generated' });
  }
  const end = (index: number): number => (index + 1 < cuts.length ? cuts[index + 1]!.at - 1 : last);
  let type = sql.range(first + 1, cuts.length === 0 ? last : cuts[0]!.at - 1);
  let defaultExpr: string | null = null;
  let generated: string | null = null;
  let identity: string | null = null;
  let notNull = false;
  cuts.forEach((cut, index) => {
    const text = sql.range(cut.at, end(index));
    if (cut.kind === 'collate') type = sql.range(first + 1, end(index));
    else if (cut.kind === 'default') defaultExpr = sql.range(cut.at + 1, end(index));
    else if (cut.kind === 'notnull') notNull = true;
    else if (/\bIDENTITY\b/i.test(text) && !/\bSTORED$/i.test(text)) identity = text;
    else generated = text;
  });
  return { name, text: sql.range(first, last), type, default: defaultExpr, generated, notNull, identity };
}

/** Reads `CREATE [UNLOGGED] TABLE name [OF type] [(columns)] ...`; undefined when it is not one. */
export function readTableHead(statement: string): TableHead | undefined {
  const sql = new SqlText(statement);
  const tokens = sql.tokens;
  const tableAt = tokens.findIndex((_, i) => sql.keyword(i) === 'TABLE');
  if (sql.keyword(0) !== 'CREATE' || tableAt < 0) return undefined;
  // The name: tokens after TABLE up to the first of `(`, OF, or the end.
  let nameEnd = tableAt + 1;
  while (nameEnd + 1 < tokens.length && tokens[nameEnd + 1]!.text === '.') nameEnd += 2;
  const typed = sql.keyword(nameEnd + 1) === 'OF';
  const open = tokens.findIndex((token, i) => i > nameEnd && token.text === '(');
  const withList = open >= 0 && (typed ? open === nameEnd + 3 || sql.range(nameEnd + 2, open - 1).split(/\s+/).length <= 1 : open === nameEnd + 1);
  if (!withList) return { shape: `${sql.range(0, tableAt)} ${sql.range(nameEnd + 1, tokens.length - 1)}`, columns: [], typed };
  const close = sql.closing(open);
  const columns = sql.items(open).map(([first, last]) => column(sql, first, last));
  const shape = `${sql.range(0, tableAt)} ${sql.range(nameEnd + 1, open - 1)} (...) ${sql.range(close + 1, tokens.length - 1)}`;
  return { shape, columns, typed };
}
