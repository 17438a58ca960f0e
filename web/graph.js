// The commit graph: lanes as `git log --graph` draws them, newest first. Each
// row gets its own small SVG (rows have a fixed height), so the list stays a
// plain list that wraps nothing and scrolls as usual.
import { s } from './dom.js';

const LANE = 14;
const ROW = 44; // keep in sync with --row in style.css
const COLORS = ['#336791', '#e0703a', '#2e9e6a', '#a04cc0', '#c0392b', '#1f8fb3', '#8a6d1f'];

/**
 * Newest first, and every commit above its parents (a graph needs that; two
 * branches' clocks and commits recorded in one millisecond do not promise it):
 * of the commits whose children are all placed, the newest goes next.
 */
export function newestFirst(commits) {
  const byTime = (a, b) => (a.committedAt < b.committedAt ? 1 : a.committedAt > b.committedAt ? -1 : 0);
  const shown = new Map(commits.map((commit) => [commit.id, commit]));
  const children = new Map(commits.map((commit) => [commit.id, 0]));
  for (const commit of commits) for (const parent of new Set(commit.parents)) if (shown.has(parent)) children.set(parent, children.get(parent) + 1);
  const ready = commits.filter((commit) => children.get(commit.id) === 0).sort(byTime);
  const order = [];
  while (ready.length > 0) {
    const commit = ready.shift();
    order.push(commit);
    for (const parent of new Set(commit.parents)) {
      if (!shown.has(parent)) continue;
      children.set(parent, children.get(parent) - 1);
      if (children.get(parent) === 0) {
        const next = shown.get(parent);
        const at = ready.findIndex((other) => byTime(next, other) < 0);
        ready.splice(at < 0 ? ready.length : at, 0, next);
      }
    }
  }
  return order;
}

/**
 * For each commit: its lane and the lanes (commit ids expected) above and
 * below its row. first: a commit whose line keeps lane 0 (main's head, when
 * every branch is drawn), so main stays the leftmost line wherever its head is.
 */
export function layout(commits, first) {
  const shown = new Set(commits.map((commit) => commit.id));
  let waiting = shown.has(first) ? first : undefined;
  let lanes = waiting ? [waiting] : [];
  // Lane 0 is kept for `first` from the top, but drawn only from its row down.
  const drawn = (ids) => ids.map((id) => (id === waiting ? null : id));
  const rows = [];
  for (const commit of commits) {
    const before = drawn(lanes);
    let col = lanes.indexOf(commit.id);
    if (col < 0) {
      col = lanes.indexOf(null);
      if (col < 0) col = lanes.length;
    }
    lanes = lanes.map((id, j) => (id === commit.id && j !== col ? null : id));
    const parents = commit.parents.filter((id) => shown.has(id));
    lanes[col] = parents[0] ?? null;
    for (const parent of parents.slice(1)) {
      if (lanes.includes(parent)) continue;
      const free = lanes.indexOf(null);
      if (free < 0) lanes.push(parent);
      else lanes[free] = parent;
    }
    while (lanes.length > 0 && lanes[lanes.length - 1] === null) lanes.pop();
    if (commit.id === waiting) waiting = undefined;
    rows.push({ commit, col, before, after: drawn(lanes), parents });
  }
  const width = Math.max(1, ...rows.map((row) => Math.max(row.before.length, row.after.length, row.col + 1)));
  return { rows, width };
}

/** The SVG slice of one row. */
export function rowGraph(row, width, marked) {
  const x = (lane) => LANE / 2 + lane * LANE;
  const mid = ROW / 2;
  const color = (lane) => COLORS[lane % COLORS.length];
  const path = (d, lane, attrs = {}) => s('path', { d, stroke: color(lane), 'stroke-width': 2, fill: 'none', ...attrs });
  const items = [];
  row.before.forEach((id, j) => {
    if (id === null) return;
    // data-join: a line from lane j that ends at this commit (a branch point or a merge's parent).
    if (id === row.commit.id) items.push(path(`M${x(j)} 0 C${x(j)} ${mid / 2} ${x(row.col)} ${mid / 2} ${x(row.col)} ${mid}`, j, { 'data-join': j }));
    else {
      const k = row.after[j] === id ? j : row.after.indexOf(id);
      if (k >= 0) items.push(path(`M${x(j)} 0 C${x(j)} ${mid} ${x(k)} ${mid} ${x(k)} ${ROW}`, k, { 'data-through': id, 'data-lane': k }));
    }
  });
  row.parents.forEach((parent, i) => {
    const k = i === 0 && row.after[row.col] === parent ? row.col : row.after.indexOf(parent);
    // data-parent: which parent the edge leads to, in which lane (tests follow the lines).
    if (k >= 0) items.push(path(`M${x(row.col)} ${mid} C${x(row.col)} ${ROW} ${x(k)} ${mid} ${x(k)} ${ROW}`, k, { 'data-parent': parent, 'data-lane': k }));
  });
  const merge = row.commit.parents.length > 1;
  items.push(
    s('circle', {
      cx: x(row.col),
      cy: mid,
      r: merge ? 6 : 5,
      fill: marked ? '#c0392b' : merge ? '#fff' : color(row.col),
      stroke: marked ? '#c0392b' : color(row.col),
      'stroke-width': 2,
      class: 'dot',
    }),
  );
  return s('svg', { class: 'graph', width: width * LANE, height: ROW, viewBox: `0 0 ${width * LANE} ${ROW}`, 'aria-hidden': 'true' }, items);
}
