// The real PostgreSQL grammar (libpg-query: libpg_query compiled to WASM,
// PostgreSQL 18). `loadParser()` once at startup, then everything here is
// synchronous. Splits a string into its statements the way the server does.
import { loadModule, parseSync, type Node, type RawStmt } from 'libpg-query';
import { skipTrivia, statementEnd } from './sql-scan.js';

export interface ParsedStatement {
  /** The statement's own text, trimmed, without the trailing semicolon. */
  readonly text: string;
  /** The parse node's type (`CreateStmt`, `SelectStmt`, ...); undefined when the parser rejected the text. */
  readonly nodeType: string | undefined;
  readonly node: Node | undefined;
  /** The parser's message when it rejected the text. */
  readonly error?: string;
}

let loaded = false;

/** Loads the WASM module; required once before anything else here runs. */
export async function loadParser(): Promise<void> {
  await loadModule();
  loaded = true;
}

export function parserLoaded(): boolean {
  return loaded;
}

/**
 * The statements of `sql`, split by the parser (which also knows that a
 * BEGIN ATOMIC function body contains semicolons). When the parser rejects
 * the string, it is split by the lexical scanner instead and each piece is
 * parsed on its own, so one unreadable statement does not hide the others.
 */
export function parseStatements(sql: string): readonly ParsedStatement[] {
  if (!loaded) throw new Error('the DDL parser is not loaded: call loadParser() at startup');
  // The guard and the watcher both read the statement a client just sent: parse it once.
  if (sql === last.sql) return last.statements;
  const statements = parseUncached(sql);
  last = { sql, statements };
  return statements;
}

/** The most recent text parsed and its statements (never modified: the result is read-only). */
let last: { readonly sql: string | undefined; readonly statements: readonly ParsedStatement[] } = { sql: undefined, statements: [] };

function parseUncached(sql: string): readonly ParsedStatement[] {
  const parsed = tryParse(sql);
  if (!('error' in parsed)) return parsed.statements;
  const pieces = splitByScanner(sql);
  if (pieces.length === 1) return [{ text: pieces[0] ?? sql.trim(), nodeType: undefined, node: undefined, error: parsed.error }];
  return pieces.flatMap((piece) => {
    const one = tryParse(piece);
    return 'error' in one ? [{ text: piece, nodeType: undefined, node: undefined, error: one.error }] : one.statements;
  });
}

function tryParse(sql: string): { statements: ParsedStatement[] } | { error: string } {
  try {
    const result = parseSync(sql);
    const text = new SourceText(sql);
    return { statements: (result.stmts ?? []).map((raw) => toStatement(raw, text)) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function toStatement(raw: RawStmt, text: SourceText): ParsedStatement {
  const node = raw.stmt;
  const nodeType = node === undefined ? undefined : Object.keys(node)[0];
  return { text: text.statement(raw.stmt_location ?? 0, raw.stmt_len ?? 0), nodeType, node };
}

/** Statement texts separated by top-level semicolons; empty statements dropped. */
export function splitByScanner(sql: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < sql.length; ) {
    const end = statementEnd(sql, start);
    const piece = sql.slice(start, end).trim();
    if (skipTrivia(piece, 0) < piece.length) pieces.push(piece);
    start = end + 1;
  }
  return pieces;
}

/** libpg_query reports UTF-8 byte offsets; JavaScript strings count UTF-16 units. */
class SourceText {
  private readonly bytes: Buffer | undefined;

  constructor(private readonly sql: string) {
    const byteLength = Buffer.byteLength(sql, 'utf8');
    this.bytes = byteLength === sql.length ? undefined : Buffer.from(sql, 'utf8');
  }

  /** A length of 0 means "to the end of the string". */
  statement(location: number, length: number): string {
    if (this.bytes === undefined) {
      return this.sql.slice(location, length === 0 ? undefined : location + length).trim();
    }
    const end = length === 0 ? this.bytes.length : location + length;
    return this.bytes.toString('utf8', location, end).trim();
  }
}
