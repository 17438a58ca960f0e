// A small unified line diff for object definitions (which are short): the
// longest common subsequence of lines, printed as hunks with context lines.

const MAX_CELLS = 4_000_000; // beyond this, show the whole old and new text

/** Unified diff lines ("@@ -a,b +c,d @@", " same", "-old", "+new"); [] when equal. */
export function lineDiff(before: string, after: string, context = 3): string[] {
  if (before === after) return [];
  const a = before.split('\n');
  const b = after.split('\n');
  const ops = editScript(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.op === ' ') {
      i += 1;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` after the last change within reach.
    let start = i;
    while (start > 0 && i - start < context && ops[start - 1]!.op === ' ') start -= 1;
    let end = i;
    let quiet = 0;
    while (end < ops.length) {
      if (ops[end]!.op === ' ') {
        if (quiet === 2 * context) break; // the next change is too far: it gets its own hunk
        quiet += 1;
      } else quiet = 0;
      end += 1;
    }
    end -= Math.max(0, quiet - context);
    const slice = ops.slice(start, end);
    const first = slice[0]!;
    const oldCount = slice.filter((op) => op.op !== '+').length;
    const newCount = slice.filter((op) => op.op !== '-').length;
    hunks.push(`@@ -${range(first.oldLine, oldCount)} +${range(first.newLine, newCount)} @@`);
    for (const op of slice) hunks.push(`${op.op}${op.text}`);
    i = end;
  }
  return hunks;
}

interface Op {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
  /** 1-based line numbers where this op sits in the old and new text. */
  readonly oldLine: number;
  readonly newLine: number;
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const ops: Op[] = [];
  if (n * m > MAX_CELLS) {
    a.forEach((text, k) => ops.push({ op: '-', text, oldLine: k + 1, newLine: 1 }));
    b.forEach((text, k) => ops.push({ op: '+', text, oldLine: n + 1, newLine: k + 1 }));
    return ops;
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ op: ' ', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
      i += 1;
      j += 1;
    } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) {
      ops.push({ op: '-', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
      i += 1;
    } else {
      ops.push({ op: '+', text: b[j]!, oldLine: i + 1, newLine: j + 1 });
      j += 1;
    }
  }
  return ops;
}

function range(line: number, count: number): string {
  if (count === 0) return `${line - 1},0`;
  return count === 1 ? `${line}` : `${line},${count}`;
}
