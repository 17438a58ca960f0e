// The conflicts of a merge: each with base, ours and theirs side by side
// (lines a side changed against the base are marked), and the commands
// that resolve it.
import { h } from './dom.js';

/** `npx pggit merge ...` for this repository and target, as a newcomer would type it. */
export function cli(db, target, ...args) {
  return `npx pggit merge ${args.join(' ')} --into ${target} --db ${db}`;
}

/** Shell lines in a box; on a narrow screen a command wraps only between its words, never inside `--into`. */
export function cliBlock(lines) {
  return h(
    'pre',
    { class: 'cli' },
    lines.map((line) => [line.startsWith('#') ? line : line.split(' ').map((word, i) => [i ? ' ' : '', h('span', { class: 'word' }, word)]), '\n']),
  );
}

const quoted = (text) => (/^[\w:.@/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

export function resolutionText(resolution) {
  if (!resolution) return 'unresolved';
  return resolution.take ? `resolved: ${resolution.take}` : 'resolved: own SQL';
}

/**
 * One conflict. merge: {db, source, target}; actions (optional): {take(key, side)}
 * draws "Take ours"/"Take theirs" buttons.
 */
export function conflictCard(conflict, merge, actions) {
  const sides = [
    { name: 'base', title: 'base', text: conflict.base },
    { name: 'ours', title: `ours: ${merge.target}`, text: conflict.ours },
    { name: 'theirs', title: `theirs: ${merge.source}`, text: conflict.theirs },
  ];
  const reference = (side) => conflict.base ?? (side === 'ours' ? conflict.theirs : conflict.ours);
  const state = resolutionText(conflict.resolution);
  return h(
    'section',
    { class: `conflict ${conflict.resolution ? 'resolved' : 'open'}`, 'data-key': conflict.key },
    h(
      'header',
      {},
      h('span', { class: 'conflict-kind' }, conflict.kind),
      h('code', { class: 'key' }, conflict.key),
      h('span', { class: `state ${conflict.resolution ? 'done' : 'todo'}` }, state),
    ),
    h('p', { class: 'detail' }, conflict.detail),
    h(
      'div',
      { class: 'sides' },
      sides.map((side) =>
        h(
          'div',
          { class: `side side-${side.name} ${conflict.resolution?.take === side.name ? 'taken' : ''}` },
          h('h4', {}, side.title),
          side.text === null
            ? h('p', { class: 'absent muted' }, side.name === 'base' ? '(not in the base: added since)' : '(dropped on this side)')
            : definition(side.text, side.name === 'base' ? null : reference(side.name)),
        ),
      ),
    ),
    conflict.resolution?.sql !== undefined ? h('div', {}, h('h4', {}, 'the SQL it resolves to'), h('pre', { class: 'sql' }, conflict.resolution.sql || '(empty: the object goes)')) : null,
    h(
      'details',
      { class: 'how', open: !conflict.resolution },
      h('summary', {}, 'Resolve it from a shell'),
      cliBlock([
        `# keep ${merge.target}'s definition`,
        cli(merge.db, merge.target, '--resolve', quoted(conflict.key), '--ours'),
        `# take ${merge.source}'s`,
        cli(merge.db, merge.target, '--resolve', quoted(conflict.key), '--theirs'),
        '# or write the definition you want in a file (an empty file drops the object)',
        cli(merge.db, merge.target, '--resolve', quoted(conflict.key), '--sql', 'FILE'),
      ]),
    ),
    actions
      ? h(
          'div',
          { class: 'actions' },
          ['ours', 'theirs'].map((side) =>
            h(
              'button',
              { type: 'button', 'data-take': side, 'aria-pressed': String(conflict.resolution?.take === side), onclick: () => actions.take(conflict.key, side) },
              `Take ${side} (${side === 'ours' ? merge.target : merge.source})`,
            ),
          ),
        )
      : null,
  );
}

/** A definition, lines that are not in the reference marked as changed. */
function definition(text, reference) {
  const known = reference === null ? null : new Set(reference.split('\n'));
  return h(
    'pre',
    { class: 'def' },
    text.split('\n').map((line) => h('span', { class: known && !known.has(line) ? 'line changed' : 'line' }, `${line}\n`)),
  );
}
