// Secrets never reach a log or the store: the text of a recorded statement
// has the string after a word ending in "password" (PASSWORD '...',
// OPTIONS (password '...'), SET sslpassword '...') replaced, and the password
// inside a CONNECTION '...' string (subscriptions) masked. Only schema
// changes pass through here, so the scan costs nothing on ordinary traffic.
import { skipTrivia, tokenEnd } from './sql-scan.js';

export const SECRET_MASK = '********';

export function redactSecrets(sql: string): string {
  let out = '';
  let copied = 0;
  let previous = '';
  for (let pos = skipTrivia(sql, 0); pos < sql.length; pos = skipTrivia(sql, tokenEnd(sql, pos))) {
    const end = tokenEnd(sql, pos);
    const token = sql.slice(pos, end);
    const literal = isStringLiteral(token);
    if (literal && previous.endsWith('password')) {
      out += `${sql.slice(copied, pos)}'${SECRET_MASK}'`;
      copied = end;
    } else if (literal && previous === 'connection') {
      out += `${sql.slice(copied, pos)}${maskConninfo(token)}`;
      copied = end;
    }
    previous = literal ? '' : wordOf(token);
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

function isStringLiteral(token: string): boolean {
  const first = token.charCodeAt(0);
  if (first === 0x27) return true; // '...'
  if ((first === 0x45 || first === 0x65) && token.charCodeAt(1) === 0x27) return true; // E'...'
  return first === 0x24 && token.length > 1 && !/^\$\d/.test(token); // $$...$$, not $1
}

/** A keyword or identifier, lower case, quotes removed; '' for anything else. */
function wordOf(token: string): string {
  if (token.startsWith('"')) return token.slice(1, -1).replace(/""/g, '"').toLowerCase();
  return /^[A-Za-z_]/.test(token) ? token.toLowerCase() : '';
}

/** password=... in a key/value conninfo, and user:password@ in a URI one. */
function maskConninfo(literal: string): string {
  return literal
    .replace(/(password\s*=\s*)(''(?:[^']|'''')*''|[^\s']+)/gi, `$1${SECRET_MASK}`)
    .replace(/(:\/\/[^:@/\s']*:)[^@/\s']*@/g, `$1${SECRET_MASK}@`);
}
