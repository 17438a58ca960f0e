// A branch's commits as a graph, with filters by object and author, and
// the commits whose impact the proxy flagged.
import { api } from './api.js';
import { ago, h, replace, short, when } from './dom.js';
import { layout, newestFirst, rowGraph } from './graph.js';
import { link, loadRepositories } from './state.js';

export async function logView(main, route) {
  const { db } = route;
  const branch = route.arg ?? 'main';
  const object = route.query.get('object') ?? '';
  const author = route.query.get('author') ?? '';
  const all = route.query.get('all') === '1';
  const repository = (await loadRepositories()).find((entry) => entry.name === db);
  const branches = repository?.branches ?? [];
  const logs = all && !object ? await Promise.all(branches.map((entry) => api('log', { db, branch: entry.name }))) : [await api('log', { db, branch, object })];
  const byId = new Map();
  for (const log of logs) for (const commit of log.commits) byId.set(commit.id, commit);
  const everything = newestFirst([...byId.values()]);
  const commits = author ? everything.filter((commit) => (commit.author ?? '(unknown)') === author) : everything;
  const impact = await api('impact', { db, branch }).catch(() => ({ commits: [] }));
  const flagged = new Map(impact.commits.filter((entry) => entry.flagged).map((entry) => [entry.id, entry.reasons]));
  const { merges } = await api('merges', { db }).catch(() => ({ merges: [] }));
  const pending = merges.filter((merge) => all || merge.target === branch);

  const heads = new Map();
  const starts = new Map();
  for (const entry of branches) {
    if (entry.head) heads.set(entry.head, [...(heads.get(entry.head) ?? []), entry.name]);
    if (entry.createdFrom) starts.set(entry.createdFrom, [...(starts.get(entry.createdFrom) ?? []), entry.name]);
  }
  const authors = [...new Set(everything.map((commit) => commit.author ?? '(unknown)'))].sort();
  const go = (changes) => {
    const next = { object, author, all: all ? '1' : '', ...changes };
    location.hash = link(db, 'log', branch, next);
  };
  const objectInput = h('input', { type: 'search', name: 'object', value: object, placeholder: 'object, e.g. public.users', 'aria-label': 'filter by object' });
  const toolbar = h(
    'form',
    { class: 'toolbar', onsubmit: (event) => (event.preventDefault(), go({ object: objectInput.value.trim() })) },
    objectInput,
    h(
      'select',
      { name: 'author', 'aria-label': 'filter by author', onchange: (event) => go({ author: event.target.value }) },
      h('option', { value: '' }, 'all authors'),
      authors.map((name) => h('option', { value: name, selected: name === author }, name)),
    ),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: all, disabled: Boolean(object), onchange: (event) => go({ all: event.target.checked ? '1' : '' }) }), 'all branches'),
    object || author ? h('a', { href: link(db, 'log', branch), class: 'clear' }, 'clear filters') : null,
  );
  const { rows, width } = layout(commits, all ? branches.find((entry) => entry.name === 'main')?.head : undefined);
  const list = h(
    'ol',
    { class: 'log', 'aria-label': 'commits' },
    rows.map((row) => {
      const commit = row.commit;
      const reasons = flagged.get(commit.id);
      return h(
        'li',
        { class: `commit-row ${reasons ? 'flagged' : ''} ${row.parents.length > 1 ? 'merge' : ''}`, 'data-id': commit.id, 'data-lane': row.col },
        rowGraph(row, width, Boolean(reasons)),
        h(
          'div',
          { class: 'summary' },
          h(
            'div',
            { class: 'line1' },
            (heads.get(commit.id) ?? []).map((name) => h('a', { class: 'ref head', href: link(db, 'log', name) }, name)),
            (starts.get(commit.id) ?? []).map((name) => h('span', { class: 'ref start', title: `branch ${name} starts here` }, `${name} starts here`)),
            reasons ? h('span', { class: 'ref warn', title: reasons.join('; ') }, '⚠', h('span', { class: 'why' }, ` ${reasons[0]}`)) : null,
            h('a', { class: 'message', href: link(db, 'commit', commit.id, { branch }) }, commit.message),
          ),
          h(
            'div',
            { class: 'line2' },
            h('code', {}, short(commit.id)),
            h('span', { class: `kind kind-${commit.kind}` }, commit.kind),
            h('span', { class: 'who' }, commit.author ?? 'unknown'),
            commit.application ? h('span', { class: 'app' }, commit.application) : null,
            h('time', { datetime: commit.committedAt, title: when(commit.committedAt) }, ago(commit.committedAt)),
          ),
        ),
      );
    }),
  );
  const title = object ? `History of ${object}` : all ? `All branches of ${db}` : `${db} · ${branch}`;
  replace(
    main,
    h('h1', {}, title),
    pending.map((merge) =>
      h(
        'p',
        { class: 'warn-box merge-banner', role: 'status' },
        `A merge of ${merge.source} into ${merge.target} is in progress: ${merge.unresolved ? `${merge.unresolved} of ${merge.conflicts} conflict${merge.conflicts === 1 ? '' : 's'} unresolved` : 'every conflict resolved, ready to continue'}. `,
        h('a', { href: link(db, 'merge', merge.target) }, 'See the conflicts'),
      ),
    ),
    toolbar,
    commits.length ? list : h('p', { class: 'muted' }, object || author ? 'No commit matches these filters.' : 'No commits yet.'),
    flagged.size ? h('p', { class: 'muted small' }, `⚠ ${flagged.size} commit${flagged.size === 1 ? '' : 's'} made queries slower or started errors (measured by this proxy since ${when(impact.measuredSince)}).`) : null,
  );
}
