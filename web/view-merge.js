// Merges: the merges in progress, and a preview of merging one branch into
// another (a dry run: what would run, with its hazards, and the conflicts
// that would stop it). Reads only; `#/r/DB/merge/TARGET` shows a merge in
// progress (view-merge-progress.js).
import { api } from './api.js';
import { ago, h, replace, short } from './dom.js';
import { cli, cliBlock, conflictCard } from './merge-conflicts.js';
import { mergeProgressView } from './view-merge-progress.js';
import { planList } from './plan.js';
import { link, loadRepositories } from './state.js';

export async function mergeView(main, route) {
  if (route.arg) return mergeProgressView(main, route);
  const { db } = route;
  const branches = ((await loadRepositories()).find((entry) => entry.name === db)?.branches ?? []).map((entry) => entry.name);
  const target = route.query.get('target') ?? 'main';
  const source = route.query.get('source') ?? '';
  const { merges } = await api('merges', { db });
  const preview = source ? await api('merge/preview', { db, source, target }).catch((error) => ({ error })) : undefined;
  const pick = (name, chosen, label) =>
    h('select', { name, 'aria-label': label }, name === 'source' ? h('option', { value: '' }, 'pick a branch') : null, branches.map((branch) => h('option', { value: branch, selected: branch === chosen }, branch)));
  const sourceSelect = pick('source', source, 'source branch');
  const targetSelect = pick('target', target, 'target branch');
  const form = h(
    'form',
    { class: 'toolbar merge-form', onsubmit: (event) => (event.preventDefault(), (location.hash = link(db, 'merge', undefined, { source: sourceSelect.value, target: targetSelect.value }))) },
    h('label', {}, 'merge ', sourceSelect),
    h('label', {}, 'into ', targetSelect),
    h('button', { type: 'submit' }, 'Preview'),
  );
  replace(
    main,
    h('h1', {}, `Merges of ${db}`),
    h('h2', {}, 'In progress'),
    merges.length
      ? h(
          'ul',
          { class: 'merges', 'aria-label': 'merges in progress' },
          merges.map((merge) =>
            h(
              'li',
              { 'data-target': merge.target },
              h('a', { href: link(db, 'merge', merge.target) }, `${merge.source} into ${merge.target}`),
              h('span', { class: merge.unresolved ? 'state todo' : 'state done' }, merge.unresolved ? `${merge.unresolved} of ${merge.conflicts} conflict${merge.conflicts === 1 ? '' : 's'} unresolved` : 'every conflict resolved: ready to continue'),
              h('span', { class: 'muted small' }, ` started ${ago(merge.startedAt)}${merge.startedBy ? ` by ${merge.startedBy}` : ''}`),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No merge in progress. A merge that stops on conflicts stays here until it is continued or aborted.'),
    h('h2', {}, 'Preview a merge'),
    branches.length < 2 ? h('p', { class: 'muted' }, `${db} has one branch: create another (npx pggit branch create feature --db ${db}), change it, then come back.`) : form,
    preview ? previewSection(db, preview, { source, target }, merges) : source ? null : h('p', { class: 'muted' }, 'Pick a branch to see what merging it would change, before anything runs.'),
  );
}

function previewSection(db, preview, asked, merges) {
  if (preview.error) return h('div', { class: 'error', role: 'alert' }, h('strong', {}, preview.error.code), ': ', preview.error.message);
  const { source, target } = preview;
  const commit = (id, label) => h('a', { href: link(db, 'commit', id, { branch: label === 'theirs' ? source : target }), title: id }, short(id));
  const pending = merges.find((merge) => merge.target === target);
  const facts = h(
    'p',
    { class: 'muted merge-ids' },
    'base ', preview.base ? commit(preview.base, 'base') : '(none: no common ancestor)',
    ` · ours (${target}) `, commit(preview.ours, 'ours'),
    ` · theirs (${source}) `, commit(preview.theirs, 'theirs'),
    preview.bases.length > 1 ? ` · criss-cross history: ${preview.bases.length} nearest common ancestors, the most recent is the base` : '',
  );
  if (preview.upToDate) return [facts, h('p', { class: 'ok-box', role: 'status' }, `Nothing to merge: ${target} already has every commit of ${source}.`)];
  const deletes = preview.plan.some((statement) => statement.hazards.some((hazard) => hazard.kind === 'DELETES_DATA'));
  const verdict = preview.conflicts.length
    ? h('p', { class: 'warn-box', role: 'status' }, `${preview.conflicts.length} conflict${preview.conflicts.length === 1 ? '' : 's'}: merging now would stop, apply nothing, and keep the merge in progress for ${target} until each conflict is resolved.`)
    : h('p', { class: 'ok-box', role: 'status' }, `Merges cleanly${preview.fastForward ? ` (fast-forward: ${target} has no commits of its own since the base)` : ''}: ${preview.plan.length} statement${preview.plan.length === 1 ? '' : 's'} would run on ${target}'s database in one transaction.`);
  return [
    h('h2', {}, `${source} into ${target}`),
    facts,
    verdict,
    deletes ? h('p', { class: 'warn-box' }, `It deletes data (see DELETES_DATA below): the merge refuses to run without --force.`) : null,
    pending ? h('p', { class: 'warn-box' }, `${target} already has a merge of ${pending.source} in progress: `, h('a', { href: link(db, 'merge', target) }, 'finish or abort it'), ' before merging again.') : null,
    preview.conflicts.length ? [h('h3', {}, 'Conflicts'), preview.conflicts.map((conflict) => conflictCard(conflict, { db, source, target }))] : null,
    h('h3', {}, `What would run on ${target}`),
    preview.plan.length ? planList(preview.plan) : h('p', { class: 'muted' }, preview.conflicts.length ? 'Planned once every conflict is resolved.' : 'Nothing to run: the schemas already agree.'),
    h('h3', {}, 'Run it'),
    cliBlock([`${cli(db, target, asked.source)}${deletes ? ' --force' : ''}`]),
  ];
}
