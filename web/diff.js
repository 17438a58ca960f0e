// Line diffs of definitions in the browser (for two refs compared here), and
// drawing any unified diff as unified or side-by-side.
import { h } from './dom.js';

/** Edit script of two texts: [{op: ' ' | '-' | '+', text}] by longest common subsequence. */
export function editScript(before, after) {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return [...a.map((text) => ({ op: '-', text })), ...b.map((text) => ({ op: '+', text }))];
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ op: ' ', text: a[i++] });
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1])) ops.push({ op: '-', text: a[i++] });
    else ops.push({ op: '+', text: b[j++] });
  }
  return ops;
}

/** The API's unified lines ("@@ ...", " x", "-x", "+x") as ops; hunk headers kept. */
export function opsOfUnified(lines) {
  return lines.map((line) => (line.startsWith('@@') ? { op: '@', text: line } : { op: line[0] ?? ' ', text: line.slice(1) }));
}

const CLASS = { ' ': 'ctx', '-': 'del', '+': 'add', '@': 'hunk' };

export function renderDiff(ops, mode) {
  return mode === 'split' ? split(ops) : unified(ops);
}

function unified(ops) {
  return h('pre', { class: 'diff unified' }, ops.map((op) => h('span', { class: `line ${CLASS[op.op]}` }, `${op.op === '@' ? '' : op.op}${op.text}\n`)));
}

/** Side by side: removed lines on the left, added on the right, paired in runs. */
function split(ops) {
  const rows = [];
  for (let i = 0; i < ops.length; ) {
    const op = ops[i];
    if (op.op === ' ' || op.op === '@') {
      rows.push([op, op]);
      i++;
      continue;
    }
    const removed = [];
    const added = [];
    while (i < ops.length && ops[i].op === '-') removed.push(ops[i++]);
    while (i < ops.length && ops[i].op === '+') added.push(ops[i++]);
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push([removed[k], added[k]]);
  }
  const cell = (op) => h('td', { class: op ? CLASS[op.op] : 'none' }, op ? op.text : '');
  return h('div', { class: 'diff-scroll' }, h('table', { class: 'diff split' }, h('tbody', {}, rows.map(([left, right]) => h('tr', {}, cell(left), cell(right))))));
}

/** A unified/side-by-side switch that redraws `draw(mode)` into `box`. */
export function diffModeSwitch(box, draw) {
  let mode = localStorage.getItem('pggit.diffMode') === 'split' ? 'split' : 'unified';
  const buttons = ['unified', 'split'].map((name) =>
    h('button', { type: 'button', class: 'seg', 'data-mode': name, onclick: () => set(name) }, name === 'split' ? 'side by side' : 'unified'),
  );
  function set(name) {
    mode = name;
    localStorage.setItem('pggit.diffMode', name);
    for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    draw(mode);
  }
  set(mode);
  return h('div', { class: 'segmented', role: 'group', 'aria-label': 'diff layout' }, buttons);
}
