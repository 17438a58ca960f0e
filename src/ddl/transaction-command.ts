// What a transaction-control statement does, read from its text: BEGIN,
// COMMIT and ROLLBACK by a few keyword comparisons (no allocation); the
// savepoint name or prepared-transaction gid by a small reader, with the real
// parser as the fallback for unusual spellings (U&"...", E'...', non-ASCII).
import { parseStatements } from './parser.js';
import { expectWord, isWordStart, skipToFirstWord, skipTrivia, wordEnd, wordIs } from './sql-scan.js';

export type TransactionCommand =
  | { readonly kind: 'begin' | 'commit' | 'rollback' }
  | { readonly kind: 'savepoint' | 'release' | 'rollback-to'; readonly name: string }
  | { readonly kind: 'prepare' | 'commit-prepared' | 'rollback-prepared'; readonly gid: string };

const BEGIN: TransactionCommand = { kind: 'begin' };
const COMMIT: TransactionCommand = { kind: 'commit' };
const ROLLBACK: TransactionCommand = { kind: 'rollback' };

/** The transaction command at `from`, or undefined when the text is not one. */
export function readTransactionCommand(sql: string, from = 0): TransactionCommand | undefined {
  const start = skipToFirstWord(sql, from);
  const end = wordEnd(sql, start);
  if (wordIs(sql, start, end, 'BEGIN') || wordIs(sql, start, end, 'START')) return BEGIN;
  if (wordIs(sql, start, end, 'END')) return COMMIT;
  if (wordIs(sql, start, end, 'ABORT')) return ROLLBACK;
  if (wordIs(sql, start, end, 'COMMIT')) {
    const prepared = expectWord(sql, end, 'PREPARED');
    return prepared < 0 ? COMMIT : withGid('commit-prepared', sql, prepared, start);
  }
  if (wordIs(sql, start, end, 'ROLLBACK')) return readRollback(sql, start, end);
  if (wordIs(sql, start, end, 'SAVEPOINT')) return withName('savepoint', sql, end, start);
  if (wordIs(sql, start, end, 'RELEASE')) return withName('release', sql, afterOptional(sql, end, 'SAVEPOINT'), start);
  if (wordIs(sql, start, end, 'PREPARE')) {
    const transaction = expectWord(sql, end, 'TRANSACTION');
    return transaction < 0 ? undefined : withGid('prepare', sql, transaction, start);
  }
  return undefined;
}

function readRollback(sql: string, start: number, end: number): TransactionCommand | undefined {
  const prepared = expectWord(sql, end, 'PREPARED');
  if (prepared >= 0) return withGid('rollback-prepared', sql, prepared, start);
  const afterNoise = afterOptional(sql, afterOptional(sql, end, 'WORK'), 'TRANSACTION');
  const to = expectWord(sql, afterNoise, 'TO');
  if (to < 0) return ROLLBACK;
  return withName('rollback-to', sql, afterOptional(sql, to, 'SAVEPOINT'), start);
}

function afterOptional(sql: string, pos: number, keyword: string): number {
  const after = expectWord(sql, pos, keyword);
  return after < 0 ? pos : after;
}

function withName(
  kind: 'savepoint' | 'release' | 'rollback-to',
  sql: string,
  pos: number,
  statementStart: number,
): TransactionCommand | undefined {
  const name = readIdentifier(sql, pos);
  return name === undefined ? fromParser(sql, statementStart) : { kind, name };
}

function withGid(
  kind: 'prepare' | 'commit-prepared' | 'rollback-prepared',
  sql: string,
  pos: number,
  statementStart: number,
): TransactionCommand | undefined {
  const gid = readPlainString(sql, pos);
  return gid === undefined ? fromParser(sql, statementStart) : { kind, gid };
}

/** An ASCII identifier, folded to lower case, or a simple "quoted" one; undefined for anything else. */
function readIdentifier(sql: string, pos: number): string | undefined {
  const start = skipTrivia(sql, pos);
  if (sql.charCodeAt(start) === 34) return readQuoted(sql, start, '"');
  if (!isWordStart(sql.charCodeAt(start))) return undefined;
  const end = wordEnd(sql, start);
  const word = sql.slice(start, end);
  // PostgreSQL folds only ASCII letters; leave other spellings to the parser.
  if (!/^[A-Za-z0-9_$]+$/.test(word) || !atStatementEnd(sql, end)) return undefined;
  return word.toLowerCase();
}

/** A standard '...' literal; undefined for E'...', U&'...' and the like. */
function readPlainString(sql: string, pos: number): string | undefined {
  const start = skipTrivia(sql, pos);
  return sql.charCodeAt(start) === 39 ? readQuoted(sql, start, "'") : undefined;
}

function readQuoted(sql: string, start: number, quote: string): string | undefined {
  let value = '';
  let pos = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, pos);
    if (close < 0) return undefined;
    value += sql.slice(pos, close);
    if (sql[close + 1] !== quote) return atStatementEnd(sql, close + 1) ? value : undefined;
    value += quote;
    pos = close + 2;
  }
}

function atStatementEnd(sql: string, pos: number): boolean {
  const next = skipTrivia(sql, pos);
  return next === sql.length || sql.charCodeAt(next) === 59;
}

function fromParser(sql: string, statementStart: number): TransactionCommand | undefined {
  const [statement] = parseStatements(sql.slice(statementStart));
  const node = statement?.nodeType === 'TransactionStmt' ? statement.node : undefined;
  if (!node || !('TransactionStmt' in node)) return undefined;
  const { kind, savepoint_name: name = '', gid = '' } = node.TransactionStmt;
  switch (kind) {
    case 'TRANS_STMT_SAVEPOINT':
      return { kind: 'savepoint', name };
    case 'TRANS_STMT_RELEASE':
      return { kind: 'release', name };
    case 'TRANS_STMT_ROLLBACK_TO':
      return { kind: 'rollback-to', name };
    case 'TRANS_STMT_PREPARE':
      return { kind: 'prepare', gid };
    case 'TRANS_STMT_COMMIT_PREPARED':
      return { kind: 'commit-prepared', gid };
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      return { kind: 'rollback-prepared', gid };
    default:
      return undefined;
  }
}
