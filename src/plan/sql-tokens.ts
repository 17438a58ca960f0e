// Token-level reading of canonical definitions (the catalog's SQL) with the
// real PostgreSQL scanner: find a parenthesised list, split it at top-level
// commas, cut a statement at a keyword. Offsets from the scanner count UTF-8
// bytes, so text is sliced from the bytes.
import { scanSync, type ScanToken } from 'libpg-query';

export class SqlText {
  readonly bytes: Buffer;
  readonly tokens: readonly ScanToken[];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    this.tokens = scanSync(text).tokens;
  }

  slice(start: number, end: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }

  /** Index of the token that closes the bracket opened at token `open`. */
  closing(open: number): number {
    let depth = 0;
    for (let i = open; i < this.tokens.length; i += 1) {
      const text = this.tokens[i]!.text;
      if (text === '(' || text === '[') depth += 1;
      else if (text === ')' || text === ']') {
        depth -= 1;
        if (depth === 0) return i;
      }
    }
    return this.tokens.length - 1;
  }

  /** Token ranges [first, last] between `open` and its closing bracket, split at commas of that level. */
  items(open: number): Array<[number, number]> {
    const close = this.closing(open);
    const ranges: Array<[number, number]> = [];
    let start = open + 1;
    for (let i = open + 1; i < close; i += 1) {
      const text = this.tokens[i]!.text;
      if (text === '(' || text === '[') i = this.closing(i);
      else if (text === ',') {
        ranges.push([start, i - 1]);
        start = i + 1;
      }
    }
    if (start <= close - 1) ranges.push([start, close - 1]);
    return ranges;
  }

  /** Text of tokens first..last inclusive. */
  range(first: number, last: number): string {
    if (last < first) return '';
    return this.slice(this.tokens[first]!.start, this.tokens[last]!.end);
  }

  /** Upper-case keyword text of token i, or '' when it is not a keyword. */
  keyword(i: number): string {
    const token = this.tokens[i];
    return token && token.keywordKind > 0 ? token.text.toUpperCase() : '';
  }
}

/** Splits a definition's key name into its identifiers as written (quoted where needed): `a."b.c"` -> [`a`, `"b.c"`]. */
export function rawNameParts(key: string): { parts: string[]; args: string } {
  const text = key.slice(key.indexOf(':') + 1);
  const parts: string[] = [];
  let at = 0;
  let start = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (char === '"') {
      at = text.indexOf('"', at + 1);
      while (text[at + 1] === '"') at = text.indexOf('"', at + 2);
      at += 1;
    } else if (char === '.') {
      parts.push(text.slice(start, at));
      start = at += 1;
    } else if (char === '(') break;
    else at += 1;
  }
  parts.push(text.slice(start, at));
  return { parts, args: text.slice(at) };
}
