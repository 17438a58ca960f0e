// The impact chart of one commit: p95 and p50 latency per interval as lines,
// failed statements as red bars, the commit as a vertical line.
import { h, ms, pct, s } from './dom.js';

const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 26 };

/** Drawn at `width` pixels (the container's), so its text stays the page's size on a phone too. */
export function impactChart(impact, committedAt, width) {
  const W = Math.max(280, Math.round(width));
  const points = impact.series.map((point) => ({ ...point, t: Date.parse(point.t) }));
  const at = Date.parse(committedAt);
  // The time measured around the commit, at least two intervals either side.
  const margin = impact.intervalSeconds * 2000;
  const start = Math.min(at - margin, ...points.map((point) => point.t - impact.intervalSeconds * 1000));
  const end = Math.max(at + margin, ...points.map((point) => point.t));
  const top = Math.max(0.001, ...points.map((point) => point.p95 ?? 0)) * 1.15;
  const maxErrors = Math.max(1, ...points.map((point) => point.errors));
  const x = (t) => PAD.left + ((t - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const line = (field, cls) => {
    const timed = points.filter((point) => point[field] !== null);
    return timed.length ? s('polyline', { class: cls, points: timed.map((point) => `${x(point.t).toFixed(1)},${y(point[field]).toFixed(1)}`).join(' ') }) : null;
  };
  const ticks = [0, 0.5, 1].map((f) => top * f);
  const svg = s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `latency and errors around the commit: p95 ${ms(impact.before.p95)} before, ${ms(impact.after.p95)} after` },
    ticks.map((v) => [
      s('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
      s('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, ms(v)),
    ]),
    points.map((point) => {
      if (!point.errors) return null;
      const barH = (point.errors / maxErrors) * (H - PAD.top - PAD.bottom) * 0.5;
      return s('rect', { class: 'err', x: x(point.t) - 3, y: H - PAD.bottom - barH, width: 6, height: barH });
    }),
    line('p50', 'p50'),
    line('p95', 'p95'),
    points.map((point) => (point.p95 === null ? null : s('circle', { class: 'p95dot', cx: x(point.t), cy: y(point.p95), r: 2.5 }))),
    s('line', { class: 'commit', x1: x(at), x2: x(at), y1: PAD.top - 4, y2: H - PAD.bottom }),
    s('text', { class: 'axis', x: x(at), y: H - 8, 'text-anchor': 'middle' }, 'commit'),
    s('text', { class: 'axis', x: PAD.left, y: H - 8 }, `-${Math.round((at - start) / 1000)} s`),
    s('text', { class: 'axis', x: W - PAD.right, y: H - 8, 'text-anchor': 'end' }, `+${Math.round((end - at) / 1000)} s`),
  );
  return h(
    'figure',
    { class: `impact ${impact.flagged ? 'flagged' : ''}` },
    svg,
    h('figcaption', {}, h('span', { class: 'key p95' }, 'p95'), ' ', h('span', { class: 'key p50' }, 'p50'), ' ', h('span', { class: 'key err' }, 'errors')),
    h(
      'table',
      { class: 'numbers' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'statements'), h('th', {}, 'p50'), h('th', {}, 'p95'), h('th', {}, 'error rate'))),
      h(
        'tbody',
        {},
        ['before', 'after'].map((side) =>
          h('tr', {}, h('th', {}, side), h('td', {}, impact[side].statements), h('td', {}, ms(impact[side].p50)), h('td', {}, ms(impact[side].p95)), h('td', {}, pct(impact[side].errorRate))),
        ),
      ),
    ),
  );
}
