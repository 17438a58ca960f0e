// Two refs compared: which objects differ and how (from the two recorded
// schemas), and the runnable SQL with its hazards where the server plans it
// (GET /api/diff).
import { api } from './api.js';
import { h, replace, short } from './dom.js';
import { diffModeSwitch, editScript, renderDiff } from './diff.js';
import { planList } from './plan.js';
import { link, loadRepositories } from './state.js';

export async function diffView(main, route) {
  const { db } = route;
  const repository = (await loadRepositories()).find((entry) => entry.name === db);
  const other = repository?.branches.find((entry) => entry.name !== 'main')?.name;
  const from = route.query.get('from') ?? 'main';
  const to = route.query.get('to') ?? other ?? 'main~1';
  const fromInput = h('input', { name: 'from', value: from, 'aria-label': 'from' });
  const toInput = h('input', { name: 'to', value: to, 'aria-label': 'to' });
  const form = h(
    'form',
    { class: 'toolbar', onsubmit: (event) => (event.preventDefault(), (location.hash = link(db, 'diff', undefined, { from: fromInput.value.trim(), to: toInput.value.trim() }))) },
    h('label', {}, 'from ', fromInput),
    h('label', {}, 'to ', toInput),
    h('button', { type: 'submit' }, 'Compare'),
  );
  const [before, after] = await Promise.all([api('schema', { db, at: from }), api('schema', { db, at: to })]);
  const plan = await api('diff', { db, from, to }).catch((error) => ({ error }));
  const oldObjects = new Map(before.objects.map((object) => [object.key, object.definition]));
  const newObjects = new Map(after.objects.map((object) => [object.key, object.definition]));
  const keys = [...new Set([...oldObjects.keys(), ...newObjects.keys()])].filter((key) => oldObjects.get(key) !== newObjects.get(key)).sort();
  const boxes = keys.map(() => h('div', { class: 'diff-box' }));
  const draw = (mode) => keys.forEach((key, i) => boxes[i].replaceChildren(renderDiff(editScript(oldObjects.get(key) ?? '', newObjects.get(key) ?? ''), mode)));
  replace(
    main,
    h('h1', {}, `Diff of ${db}`),
    form,
    h('p', { class: 'muted' }, `${from} = ${short(before.commit.id)}, ${to} = ${short(after.commit.id)}: ${keys.length} object${keys.length === 1 ? '' : 's'} differ.`),
    h('h2', {}, 'Runnable SQL'),
    planSection(plan),
    h('h2', {}, 'Objects'),
    keys.length ? diffModeSwitch(h('div'), draw) : h('p', { class: 'muted' }, 'The two schemas are the same.'),
    keys.map((key, i) =>
      h(
        'section',
        { class: `object change-${!oldObjects.has(key) ? 'added' : !newObjects.has(key) ? 'removed' : 'changed'}`, 'data-key': key },
        h('header', {}, h('span', { class: 'mark' }, !oldObjects.has(key) ? '+' : !newObjects.has(key) ? '-' : '~'), h('code', { class: 'key' }, key)),
        boxes[i],
      ),
    ),
  );
}

/** The plan's statements with their hazards; a server without /api/diff says so. */
function planSection(plan) {
  if (plan.error) {
    if (plan.error.status === 404 && plan.error.code === 'NOT_FOUND') return h('p', { class: 'muted' }, 'This server does not plan migrations yet (no /api/diff).');
    return h('div', { class: 'error' }, plan.error.message);
  }
  const statements = plan.statements ?? plan.plan?.statements ?? [];
  if (!statements.length) return h('p', { class: 'muted' }, 'Nothing to run: the schemas are the same.');
  return planList(statements);
}
