// One commit: who, when, which application, its statements, its impact on
// the application's queries, and what it changed object by object.
import { api } from './api.js';
import { h, replace, short, when } from './dom.js';
import { impactChart } from './chart.js';
import { changeSections } from './objects.js';
import { link } from './state.js';

export async function commitView(main, route) {
  const { db } = route;
  const branch = route.query.get('branch') ?? 'main';
  const details = await api(`commits/${encodeURIComponent(route.arg)}`, { db, branch });
  const { commit } = details;
  const impact = await api('impact', { db, commit: commit.id, branch }).catch((error) => ({ error }));
  const changes = changeSections(db, branch, details.diff);
  const field = (name, value) => [h('dt', {}, name), h('dd', {}, value ?? '–')];
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: link(db, 'log', commit.branch) }, `${db} · ${commit.branch}`), ' / ', h('code', {}, short(commit.id))),
    h('h1', { class: 'commit-title' }, commit.message),
    h(
      'dl',
      { class: 'meta' },
      field('Commit', h('code', { class: 'full-id' }, commit.id)),
      field('Kind', h('span', { class: `kind kind-${commit.kind}` }, commit.kind)),
      field('Branch', h('a', { href: link(db, 'log', commit.branch) }, commit.branch)),
      field(
        'Parents',
        commit.parents.length
          ? commit.parents.map((parent, i) => [
              i ? ' ' : '',
              h('a', { class: 'parent', href: link(db, 'commit', parent, { branch }) }, short(parent)),
              // A merge's first parent is the target's head before it, the second the head it merged in.
              commit.parents.length > 1 ? h('span', { class: 'muted small' }, i === 0 ? ` (${commit.branch} before the merge)` : ' (merged in)') : null,
            ])
          : '(none: first commit)',
      ),
      field('Author', commit.author),
      field('Application', commit.application),
      field('Client', commit.clientAddress && `${commit.clientAddress}${commit.backendPid ? `, backend pid ${commit.backendPid}` : ''}`),
      field('Committed', h('time', { datetime: commit.committedAt }, when(commit.committedAt))),
      field('Schema', h('a', { href: link(db, 'schema', undefined, { at: commit.id }) }, 'the whole schema at this commit')),
    ),
    h('h2', {}, 'Statements'),
    details.statements.length ? h('pre', { class: 'sql' }, details.statements.map((text) => (/;\s*$/.test(text) ? text.trimEnd() : `${text.trimEnd()};`)).join('\n\n')) : h('p', { class: 'muted' }, 'None recorded: this commit was read from the catalog (baseline or detected change).'),
    h('h2', {}, 'Impact on queries'),
    impactSection(impact, commit, route.width - 26),
    h('h2', {}, `Changes ${details.diff.against ? `against ${short(details.diff.against)}` : '(first commit)'}: ${details.diff.added.length} added, ${details.diff.changed.length} changed, ${details.diff.removed.length} removed`),
    changes.switcher,
    changes.sections,
  );
}

function impactSection(impact, commit, width) {
  if (impact.error) return h('p', { class: 'muted' }, impact.error.code === 'METRICS_OFF' ? 'Not measured: this proxy runs with --metrics off.' : `Not available: ${impact.error.message}`);
  if (Date.parse(commit.committedAt) < Date.parse(impact.measuredSince)) return h('p', { class: 'muted' }, `Not measured: this proxy started at ${when(impact.measuredSince)}, after this commit.`);
  if (!impact.series.length) return h('p', { class: 'muted' }, `No queries went through this proxy within ${impact.windowSeconds} s of this commit.`);
  return [impact.flagged ? h('p', { class: 'warn-box', role: 'note' }, `⚠ ${impact.reasons.join('; ')}`) : null, impactChart(impact, commit.committedAt, width)];
}

