// Reading SQL text one character code at a time, without allocating: this
// runs for every statement that passes through the proxy, so it uses no
// regex, substring or case conversion. It knows the lexical rules that decide
// where a token ends (comments, quoted strings and identifiers, dollar
// quotes), not the grammar.

const TAB = 9;
const CR = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const DOLLAR = 36;
const SINGLE_QUOTE = 39;
const OPEN_PAREN = 40;
const STAR = 42;
const DASH = 45;
const SLASH = 47;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const SEMICOLON = 59;
const UPPER_A = 65;
const UPPER_E = 69;
const UPPER_Z = 90;
const BACKSLASH = 92;
const UNDERSCORE = 95;
const LOWER_A = 97;
const LOWER_E = 101;
const LOWER_Z = 122;
const NON_ASCII = 128;
/** Clearing this bit turns an ASCII lower-case letter into its capital. */
const CASE_BIT = 0x20;

export function isSpace(code: number): boolean {
  return code === SPACE || (code >= TAB && code <= CR);
}

/** Letters, underscore and any non-ASCII character can start an identifier or keyword. */
export function isWordStart(code: number): boolean {
  return (
    (code >= LOWER_A && code <= LOWER_Z) ||
    (code >= UPPER_A && code <= UPPER_Z) ||
    code === UNDERSCORE ||
    code >= NON_ASCII
  );
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || (code >= DIGIT_0 && code <= DIGIT_9) || code === DOLLAR;
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** Position after whitespace, `--` line comments and (nested) block comments. */
export function skipTrivia(sql: string, pos: number): number {
  const length = sql.length;
  while (pos < length) {
    const code = sql.charCodeAt(pos);
    if (isSpace(code)) pos++;
    else if (code === DASH && sql.charCodeAt(pos + 1) === DASH) pos = lineCommentEnd(sql, pos + 2);
    else if (code === SLASH && sql.charCodeAt(pos + 1) === STAR) pos = blockCommentEnd(sql, pos + 2);
    else break;
  }
  return pos;
}

/**
 * Position of the first keyword: trivia, opening parentheses and empty
 * statements (lone semicolons, which the server ignores) skipped.
 */
export function skipToFirstWord(sql: string, pos: number): number {
  pos = skipTrivia(sql, pos);
  for (let code = sql.charCodeAt(pos); code === OPEN_PAREN || code === SEMICOLON; code = sql.charCodeAt(pos)) {
    pos = skipTrivia(sql, pos + 1);
  }
  return pos;
}

function lineCommentEnd(sql: string, pos: number): number {
  const length = sql.length;
  while (pos < length) {
    const code = sql.charCodeAt(pos);
    if (code === 10 || code === CR) return pos + 1;
    pos++;
  }
  return length;
}

/** Block comments nest in PostgreSQL, unlike in C. */
function blockCommentEnd(sql: string, pos: number): number {
  const length = sql.length;
  let depth = 1;
  while (pos < length) {
    const code = sql.charCodeAt(pos);
    if (code === SLASH && sql.charCodeAt(pos + 1) === STAR) {
      depth++;
      pos += 2;
    } else if (code === STAR && sql.charCodeAt(pos + 1) === SLASH) {
      pos += 2;
      if (--depth === 0) return pos;
    } else pos++;
  }
  return length;
}

/** End of the word starting at `pos` (== pos when no word starts there). */
export function wordEnd(sql: string, pos: number): number {
  if (!isWordStart(sql.charCodeAt(pos))) return pos;
  const length = sql.length;
  pos++;
  while (pos < length && isWordPart(sql.charCodeAt(pos))) pos++;
  return pos;
}

/** Case-insensitive comparison of sql[start, end) with an upper-case ASCII keyword. */
export function wordIs(sql: string, start: number, end: number, keyword: string): boolean {
  if (end - start !== keyword.length) return false;
  for (let i = 0; i < keyword.length; i++) {
    // Only letters map onto the capitals the keyword is made of.
    if ((sql.charCodeAt(start + i) & ~CASE_BIT) !== keyword.charCodeAt(i)) return false;
  }
  return true;
}

/** The keyword at `pos` (after trivia) is `keyword`: returns the position after it, or -1. */
export function expectWord(sql: string, pos: number, keyword: string): number {
  const start = skipTrivia(sql, pos);
  const end = wordEnd(sql, start);
  return wordIs(sql, start, end, keyword) ? end : -1;
}

/**
 * Position just past the token at `pos`, which is not trivia: a word, a
 * quoted string or identifier, a dollar-quoted string, a `$n` parameter, or
 * any other single character.
 */
export function tokenEnd(sql: string, pos: number): number {
  const code = sql.charCodeAt(pos);
  if (isWordStart(code)) {
    const end = wordEnd(sql, pos);
    // E'...' is the one string form where a backslash escapes the quote.
    const escapeString = end === pos + 1 && (code === UPPER_E || code === LOWER_E);
    if (escapeString && sql.charCodeAt(end) === SINGLE_QUOTE) return quotedEnd(sql, end + 1, SINGLE_QUOTE, true);
    return end;
  }
  if (code === SINGLE_QUOTE) return quotedEnd(sql, pos + 1, SINGLE_QUOTE, false);
  if (code === DOUBLE_QUOTE) return quotedEnd(sql, pos + 1, DOUBLE_QUOTE, false);
  if (code === DOLLAR) return dollarTokenEnd(sql, pos);
  return pos + 1;
}

/** After the opening quote: a doubled quote is an escaped one. */
function quotedEnd(sql: string, pos: number, quote: number, backslashEscapes: boolean): number {
  const length = sql.length;
  while (pos < length) {
    const code = sql.charCodeAt(pos);
    if (backslashEscapes && code === BACKSLASH) pos += 2;
    else if (code !== quote) pos++;
    else if (sql.charCodeAt(pos + 1) === quote) pos += 2;
    else return pos + 1;
  }
  return length;
}

/** `$1` parameters, `$tag$ ... $tag$` and `$$ ... $$` strings. */
function dollarTokenEnd(sql: string, pos: number): number {
  let tagEnd = pos + 1;
  if (isDigit(sql.charCodeAt(tagEnd))) {
    while (isDigit(sql.charCodeAt(tagEnd))) tagEnd++;
    return tagEnd;
  }
  if (isWordStart(sql.charCodeAt(tagEnd))) {
    tagEnd++;
    while (isWordPart(sql.charCodeAt(tagEnd)) && sql.charCodeAt(tagEnd) !== DOLLAR) tagEnd++;
  }
  if (sql.charCodeAt(tagEnd) !== DOLLAR) return pos + 1;
  const tagLength = tagEnd + 1 - pos;
  const length = sql.length;
  for (let at = tagEnd + 1; at < length; at++) {
    if (sql.charCodeAt(at) === DOLLAR && sameText(sql, at, pos, tagLength)) return at + tagLength;
  }
  return length;
}

function sameText(sql: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (sql.charCodeAt(a + i) !== sql.charCodeAt(b + i)) return false;
  return true;
}

/** Position of the `;` that ends the statement starting at `pos`, or the text's length. */
export function statementEnd(sql: string, pos: number): number {
  const length = sql.length;
  for (pos = skipTrivia(sql, pos); pos < length; pos = skipTrivia(sql, tokenEnd(sql, pos))) {
    if (sql.charCodeAt(pos) === SEMICOLON) return pos;
  }
  return length;
}

/**
 * Whether the statement starting at `pos` has an INTO that creates a table
 * (SELECT ... INTO t), or with `orCreate` also the word CREATE (for EXPLAIN
 * ANALYZE CREATE TABLE AS). INSERT INTO and MERGE INTO do not count.
 */
export function mentionsTableCreation(sql: string, pos: number, orCreate: boolean): boolean {
  // Most statements do not contain the letters at all: a quick pass rules them out.
  if (!orCreate && !containsLettersInto(sql, pos)) return false;
  const length = sql.length;
  let afterInsertOrMerge = false;
  for (pos = skipTrivia(sql, pos); pos < length; pos = skipTrivia(sql, pos)) {
    const code = sql.charCodeAt(pos);
    if (code === SEMICOLON) return false;
    const end = tokenEnd(sql, pos);
    if (isWordStart(code)) {
      if (wordIs(sql, pos, end, 'INTO') && !afterInsertOrMerge) return true;
      if (orCreate && wordIs(sql, pos, end, 'CREATE')) return true;
      afterInsertOrMerge = wordIs(sql, pos, end, 'INSERT') || wordIs(sql, pos, end, 'MERGE');
    } else afterInsertOrMerge = false;
    pos = end;
  }
  return false;
}

/**
 * Whether "into", in any case, occurs anywhere from `pos` on (inside a word,
 * string or comment too). Built on indexOf, which the engine runs far faster
 * than a loop over char codes.
 */
function containsLettersInto(sql: string, pos: number): boolean {
  for (let at = sql.indexOf('i', pos); at >= 0; at = sql.indexOf('i', at + 1)) if (followedByNto(sql, at)) return true;
  for (let at = sql.indexOf('I', pos); at >= 0; at = sql.indexOf('I', at + 1)) if (followedByNto(sql, at)) return true;
  return false;
}

function followedByNto(sql: string, at: number): boolean {
  return (
    (sql.charCodeAt(at + 1) | CASE_BIT) === 0x6e && // n
    (sql.charCodeAt(at + 2) | CASE_BIT) === 0x74 && // t
    (sql.charCodeAt(at + 3) | CASE_BIT) === 0x6f // o
  );
}
