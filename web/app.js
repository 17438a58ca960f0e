// pggit's page: a hash router over a few views, all reading the JSON API of
// the server that served this file.
//
//   #/                                  repositories (one: straight to its main branch)
//   #/r/DB/log/BRANCH?object=&author=&all=1
//   #/r/DB/commit/ID?branch=
//   #/r/DB/object/NAME?branch=          history of one object
//   #/r/DB/schema?at=&branch=
//   #/r/DB/diff?from=&to=
//   #/r/DB/merge?source=&target=         merges in progress, and a merge preview
//   #/r/DB/merge/TARGET                 the merge in progress for TARGET
import { h, replace } from './dom.js';
import { link, loadRepositories } from './state.js';
import { logView } from './view-log.js';
import { commitView } from './view-commit.js';
import { objectView } from './view-object.js';
import { schemaView } from './view-schema.js';
import { diffView } from './view-diff.js';
import { mergeView } from './view-merge.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');

/** #/r/DB/... as {db, view, arg, query}; every part URL-encoded. */
function parse(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  if (parts[0] !== 'r' || parts.length < 2) return { view: 'home', query };
  return { db: parts[1], view: parts[2] ?? 'log', arg: parts.slice(3).join('/') || undefined, query };
}

function drawNav(route, repositories) {
  if (!route.db) return replace(nav);
  const repository = repositories.find((entry) => entry.name === route.db);
  const branch = route.query.get('branch') ?? (route.view === 'log' ? route.arg : undefined) ?? 'main';
  const select = h(
    'select',
    { 'aria-label': 'repository', onchange: (event) => (location.hash = link(event.target.value, 'log', 'main')) },
    repositories.map((entry) => h('option', { value: entry.name, selected: entry.name === route.db }, entry.name)),
  );
  replace(
    nav,
    select,
    h(
      'span',
      { class: 'branches' },
      (repository?.branches ?? []).map((entry) =>
        h('a', { href: link(route.db, 'log', entry.name), class: `branch ${route.view === 'log' && entry.name === branch ? 'current' : ''}` }, entry.name),
      ),
    ),
    h('a', { href: link(route.db, 'schema', undefined, { branch: branch === 'main' ? undefined : branch }), class: `tab ${route.view === 'schema' ? 'current' : ''}` }, 'Schema'),
    h('a', { href: link(route.db, 'diff'), class: `tab ${route.view === 'diff' ? 'current' : ''}` }, 'Diff'),
    h('a', { href: link(route.db, 'merge'), class: `tab ${route.view === 'merge' ? 'current' : ''}` }, 'Merge'),
  );
}

const VIEWS = { log: logView, commit: commitView, object: objectView, schema: schemaView, diff: diffView, merge: mergeView };

/** Only the newest render may draw: an older one still loading must not overwrite it. */
let generation = 0;

async function render() {
  const route = parse(location.hash);
  const mine = ++generation;
  try {
    const repositories = await loadRepositories();
    if (route.view === 'home') {
      if (repositories.length === 1) {
        location.replace(link(repositories[0].name, 'log', 'main'));
        return;
      }
      drawNav(route, repositories);
      replace(
        main,
        h('h1', {}, 'Repositories'),
        repositories.length === 0
          ? h('p', { class: 'muted' }, 'No history yet: connect through the proxy and change a schema.')
          : h('ul', { class: 'cards' }, repositories.map((entry) => h('li', {}, h('a', { href: link(entry.name, 'log', 'main') }, entry.name), h('span', { class: 'muted' }, ` ${entry.branches.length} branch${entry.branches.length === 1 ? '' : 'es'}`)))),
      );
      return;
    }
    drawNav(route, repositories);
    const view = VIEWS[route.view];
    if (!view) throw new Error(`no such page: ${route.view}`);
    const style = getComputedStyle(main);
    route.width = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const page = h('div', { class: 'page' });
    await view(page, route);
    if (mine !== generation) return;
    replace(main, page);
    document.title = `${route.db} · ${route.view} · pggit`;
  } catch (error) {
    if (mine !== generation) return;
    replace(main, h('div', { class: 'error', role: 'alert' }, h('strong', {}, error.code ?? 'Error'), ': ', error.message));
  }
}

window.addEventListener('hashchange', render);
render();
