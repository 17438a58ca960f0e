// The commonest simple Query, recognised on its bytes before anything is
// decoded: one SELECT, INSERT, UPDATE or DELETE that cannot change the schema
// (what classifyStatement calls `other`, with no later statement). It is
// conservative: a comment first, a semicolon with anything but whitespace
// after it, or the letters "into" anywhere in a SELECT (SELECT ... INTO
// creates a table) send the text the usual way (decoded, classified, split).

const SELECT = keyword('select');
const INSERT = keyword('insert');
const UPDATE = keyword('update');
const DELETE = keyword('delete');
const SEMICOLON = 0x3b;

/**
 * Longer texts go the usual way: this scan runs byte by byte in JS, which
 * for a 15 MB Query cost more than decoding and classifying it natively
 * (35 ms against 20), and a long statement is rare enough not to need it.
 */
const MAX_PLAIN_QUERY_BYTES = 8 * 1024;

function keyword(word: string): Uint8Array {
  return Uint8Array.from(word, (letter) => letter.charCodeAt(0));
}

/** PostgreSQL's whitespace (scan.l): space, tab, newline, carriage return, form feed, vertical tab. */
function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** A byte that continues an identifier or keyword (letters, digits, _, $, and every byte of a non-ASCII character). */
function continuesWord(byte: number): boolean {
  const folded = byte | 0x20;
  return (folded >= 0x61 && folded <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x24 || byte >= 0x80;
}

/** Whether the Query text at bytes[start, end) (complete, its NUL included or not) is one plain statement (see above). */
export function isPlainQuery(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start > MAX_PLAIN_QUERY_BYTES) return false;
  let at = start;
  while (at < end && isSpace(bytes[at]!)) at++;
  let word: Uint8Array;
  switch (bytes[at]! | 0x20) {
    case 0x73: // s
      word = SELECT;
      break;
    case 0x69: // i
      word = INSERT;
      break;
    case 0x75: // u
      word = UPDATE;
      break;
    case 0x64: // d
      word = DELETE;
      break;
    default:
      return false;
  }
  if (end - at <= word.length) return false;
  // Letters only in the keywords: `| 0x20` folds case and matches no other byte.
  for (let i = 1; i < word.length; i++) if ((bytes[at + i]! | 0x20) !== word[i]) return false;
  at += word.length;
  if (continuesWord(bytes[at]!)) return false;
  const select = word === SELECT;
  for (; at < end; at++) {
    const byte = bytes[at]!;
    if (byte === SEMICOLON) return onlySpaceAfter(bytes, at + 1, end);
    if (select && (byte | 0x20) === 0x69 && intoAt(bytes, at, end)) return false;
  }
  return true;
}

/** The statement's final semicolon: only whitespace (and the message's NUL) may follow it. */
function onlySpaceAfter(bytes: Uint8Array, from: number, end: number): boolean {
  for (let at = from; at < end; at++) if (bytes[at] !== 0 && !isSpace(bytes[at]!)) return false;
  return true;
}

/** "nto" (any case) follows the i at `at`. */
function intoAt(bytes: Uint8Array, at: number, end: number): boolean {
  return at + 3 < end && (bytes[at + 1]! | 0x20) === 0x6e && (bytes[at + 2]! | 0x20) === 0x74 && (bytes[at + 3]! | 0x20) === 0x6f;
}
