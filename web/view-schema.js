// The schema at any commit or time: objects by schema and kind, each
// definition, and a link to its history.
import { api } from './api.js';
import { h, kindOf, objectName, replace, schemaOf, short, when } from './dom.js';
import { link } from './state.js';

export async function schemaView(main, route) {
  const { db } = route;
  const branch = route.query.get('branch') ?? 'main';
  const at = route.query.get('at') ?? '';
  const filter = (route.query.get('filter') ?? '').toLowerCase();
  const schema = await api('schema', { db, branch, at: at || 'HEAD' });
  const groups = new Map();
  for (const object of schema.objects) {
    if (filter && !object.key.toLowerCase().includes(filter)) continue;
    const group = schemaOf(object.key) || '(database)';
    if (!groups.has(group)) groups.set(group, new Map());
    const kinds = groups.get(group);
    const kind = kindOf(object.key);
    if (!kinds.has(kind)) kinds.set(kind, []);
    kinds.get(kind).push(object);
  }
  const atInput = h('input', { name: 'at', value: at, placeholder: `HEAD, ${branch}~2, a commit id, ${branch}@{2026-11-24 10:00}`, 'aria-label': 'revision or time' });
  const filterInput = h('input', { type: 'search', name: 'filter', value: filter, placeholder: 'filter objects', 'aria-label': 'filter objects' });
  const form = h(
    'form',
    { class: 'toolbar', onsubmit: (event) => (event.preventDefault(), (location.hash = link(db, 'schema', undefined, { branch: branch === 'main' ? '' : branch, at: atInput.value.trim(), filter: filterInput.value.trim() }))) },
    h('label', {}, 'at ', atInput),
    filterInput,
    h('button', { type: 'submit' }, 'Show'),
  );
  const names = [...groups.keys()].sort((a, b) => (a === '(database)' ? 1 : b === '(database)' ? -1 : a.localeCompare(b)));
  replace(
    main,
    h('h1', {}, `Schema of ${db}`),
    form,
    h('p', { class: 'muted' }, 'At ', h('a', { href: link(db, 'commit', schema.commit.id, { branch }) }, short(schema.commit.id)), ` · ${schema.commit.message} · ${when(schema.commit.committedAt)} · ${schema.objects.length} objects`),
    names.map((name) =>
      h(
        'section',
        { class: 'schema-group' },
        h('h2', {}, name),
        [...groups.get(name)].sort().map(([kind, objects]) =>
          h(
            'div',
            { class: 'kind-group' },
            h('h3', {}, `${kind} (${objects.length})`),
            objects.sort((a, b) => (a.key < b.key ? -1 : 1)).map((object) =>
              h(
                'details',
                { class: 'definition', 'data-key': object.key },
                h('summary', {}, h('code', {}, object.key.slice(object.key.indexOf(':') + 1))),
                h('pre', { class: 'sql' }, object.definition),
                h('a', { class: 'history', href: link(db, 'object', objectName(object.key), { branch }) }, 'history of this object'),
              ),
            ),
          ),
        ),
      ),
    ),
    h('details', { class: 'whole' }, h('summary', {}, 'The whole schema as one runnable script'), h('pre', { class: 'sql' }, schema.sql)),
  );
}
