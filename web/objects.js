// What a commit changed, object by object, with a diff of each definition.
import { h, objectName } from './dom.js';
import { diffModeSwitch, opsOfUnified, renderDiff } from './diff.js';
import { link } from './state.js';

/** Sections for diff {added, removed, changed} (the API's shape), drawn in the chosen layout. */
export function changeSections(db, branch, diff, only) {
  const all = [
    ...diff.changed.map((entry) => ({ mark: '~', key: entry.key, kind: entry.kind, ops: changedOps(entry) })),
    ...diff.added.map((entry) => ({ mark: '+', key: entry.key, kind: entry.kind, ops: whole('+', entry.definition) })),
    ...diff.removed.map((entry) => ({ mark: '-', key: entry.key, kind: entry.kind, ops: whole('-', entry.definition) })),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const mine = only ? all.filter((entry) => objectName(entry.key) === only || objectName(entry.key).endsWith(`.${only}`)) : all;
  // An index or statistics object belongs to its table through dependencies: then show all.
  const entries = mine.length ? mine : all;
  const boxes = entries.map(() => h('div', { class: 'diff-box' }));
  const sections = entries.map((entry, i) =>
    h(
      'section',
      { class: `object change-${entry.mark === '+' ? 'added' : entry.mark === '-' ? 'removed' : 'changed'}`, 'data-key': entry.key },
      h(
        'header',
        {},
        h('span', { class: 'mark' }, entry.mark),
        h('code', { class: 'key' }, entry.key),
        h('a', { class: 'history', href: link(db, 'object', objectName(entry.key), { branch }) }, 'history of this object'),
      ),
      boxes[i],
    ),
  );
  const draw = (mode) => entries.forEach((entry, i) => boxes[i].replaceChildren(renderDiff(entry.ops, mode)));
  return { count: entries.length, switcher: entries.length ? diffModeSwitch(h('div'), draw) : null, sections };
}

function changedOps(entry) {
  if (entry.diff.length) return opsOfUnified(entry.diff);
  return [{ op: '@', text: `definition unchanged; depends on: ${entry.after.dependsOn.join(', ') || 'nothing'}` }];
}

function whole(mark, definition) {
  return definition.split('\n').map((text) => ({ op: mark, text }));
}
