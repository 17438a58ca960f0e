// The revision grammar of `pggit show|schema|log`, parsed without I/O:
//
//   ref   := base [ "@{" time "}" ] step*   |   "@{" time "}" step*
//   base  := "HEAD" | branch name | commit id or unique prefix (>= 4 hex digits)
//   step  := "~" [N]   N first parents back (default 1)
//          | "^" [N]   the Nth parent (default 1; ^0 is the commit itself)
//
// `BRANCH@{time}` is the newest commit of the branch's first-parent chain
// committed at or before time (PostgreSQL reads the time: '2026-11-24
// 10:00', 'yesterday', '2 hours ago'); `@{time}` and `HEAD@{time}` use the
// current branch.

export interface RefStep {
  readonly op: '~' | '^';
  readonly n: number;
}

export interface ParsedRef {
  readonly text: string;
  /** "HEAD" or a name that is a branch or a commit id prefix. */
  readonly base: string;
  /** The time text between @{ and }, when given. */
  readonly at?: string;
  readonly steps: readonly RefStep[];
}

export class RefSyntaxError extends Error {
  readonly code = 'BAD_REF';
}

const STEPS = /^(?:[~^]\d*)*$/;

export function parseRef(text: string): ParsedRef {
  const ref = text.trim();
  if (ref === '') throw new RefSyntaxError('empty revision');
  let head: string;
  let at: string | undefined;
  let rest: string;
  const open = ref.indexOf('@{');
  if (open >= 0) {
    const close = ref.indexOf('}', open);
    if (close < 0) throw new RefSyntaxError(`revision "${text}": "@{" without a closing "}"`);
    head = ref.slice(0, open);
    at = ref.slice(open + 2, close).trim();
    if (at === '') throw new RefSyntaxError(`revision "${text}": empty time in @{}`);
    rest = ref.slice(close + 1);
    if (!STEPS.test(rest)) throw new RefSyntaxError(`revision "${text}": unexpected "${rest}" after @{...}`);
  } else {
    const match = /^(.*?)((?:[~^]\d*)*)$/.exec(ref)!;
    head = match[1]!;
    rest = match[2]!;
    if (head === '') throw new RefSyntaxError(`revision "${text}": nothing before "${rest}"`);
  }
  if (/[~^{}\s]/.test(head)) throw new RefSyntaxError(`revision "${text}": "${head}" is not a branch name or commit id`);
  const steps: RefStep[] = [];
  for (const step of rest.matchAll(/([~^])(\d*)/g)) {
    const n = step[2] === '' ? 1 : Number(step[2]);
    if (!Number.isSafeInteger(n)) throw new RefSyntaxError(`revision "${text}": ${step[0]} is too far`);
    steps.push({ op: step[1] as '~' | '^', n });
  }
  const base = head === '' || head === '@' ? 'HEAD' : head;
  return at === undefined ? { text, base, steps } : { text, base, at, steps };
}

/** Could base be a commit id prefix? (At least 4, at most 64 hex digits.) */
export function isIdPrefix(base: string): boolean {
  return /^[0-9a-f]{4,64}$/i.test(base);
}
