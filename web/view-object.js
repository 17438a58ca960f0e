// The history of one object: every commit that changed it, newest first,
// each with that object's diff.
import { api } from './api.js';
import { ago, h, replace, short } from './dom.js';
import { changeSections } from './objects.js';
import { link } from './state.js';

const SHOWN = 25;

export async function objectView(main, route) {
  const { db } = route;
  const name = route.arg;
  const branch = route.query.get('branch') ?? 'main';
  const log = await api('log', { db, branch, object: name });
  const details = await Promise.all(log.commits.slice(0, SHOWN).map((commit) => api(`commits/${commit.id}`, { db, branch })));
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: link(db, 'log', branch) }, `${db} · ${branch}`), ' / object'),
    h('h1', {}, 'History of ', h('code', {}, name)),
    h('p', { class: 'muted' }, `${log.commits.length} commit${log.commits.length === 1 ? '' : 's'} changed it on ${branch}. `, h('a', { href: link(db, 'log', branch, { object: name }) }, 'as a graph')),
    details.map((entry) => {
      const changes = changeSections(db, branch, entry.diff, name);
      return h(
        'article',
        { class: 'object-commit' },
        h(
          'header',
          {},
          h('a', { class: 'message', href: link(db, 'commit', entry.commit.id, { branch }) }, entry.commit.message),
          h('span', { class: 'muted' }, ` ${short(entry.commit.id)} · ${entry.commit.author ?? 'unknown'} · ${ago(entry.commit.committedAt)}`),
        ),
        changes.switcher,
        changes.sections,
      );
    }),
    log.commits.length > SHOWN ? h('p', { class: 'muted' }, `Older commits: see the graph.`) : null,
  );
}
