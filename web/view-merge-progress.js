// The merge in progress for one branch: its conflicts (base, ours, theirs
// side by side), how to resolve each from a shell, and, when this server
// takes writes and the API token is given, buttons that resolve, continue
// or abort it through the same API.
import { api, post } from './api.js';
import { h, replace, short, when } from './dom.js';
import { cli, cliBlock, conflictCard } from './merge-conflicts.js';
import { planList } from './plan.js';
import { link, refresh } from './state.js';
import { savedToken, tokenForm } from './token.js';

export async function mergeProgressView(main, route) {
  const { db } = route;
  const target = route.arg;
  const { merges } = await api('merges', { db });
  const crumbs = h('p', { class: 'crumbs' }, h('a', { href: link(db, 'merge') }, `${db} · merges`), ' / ', target);
  if (!merges.some((merge) => merge.target === target)) {
    replace(main, crumbs, h('h1', {}, `No merge in progress for ${target}`), h('p', { class: 'muted' }, 'It was continued or aborted, or never stopped on a conflict. ', h('a', { href: link(db, 'merge', undefined, { target }) }, `Preview a merge into ${target}`)));
    return;
  }
  const [status, access] = await Promise.all([api('merge', { db, target }), api('access').catch(() => ({ writes: 'off' }))]);
  const token = savedToken();
  const writable = access.writes === 'token' && token !== '';
  const messages = h('div', { class: 'messages', 'aria-live': 'polite' });
  const write = async (path, body, after) => {
    try {
      const result = await post(path, { db, target, ...body }, token);
      after(result);
    } catch (error) {
      replace(messages, h('div', { class: 'error', role: 'alert' }, h('strong', {}, error.code), ': ', error.message));
    }
  };
  const actions = writable ? { take: (key, side) => write('merge/resolve', { key, take: side }, refresh) } : undefined;
  const open = status.conflicts.filter((conflict) => !conflict.resolution).length;
  const merge = { db, source: status.source, target };
  const commit = (id, branch) => h('a', { href: link(db, 'commit', id, { branch }), title: id }, short(id));
  replace(
    main,
    crumbs,
    h('h1', {}, `Merging ${status.source} into ${target}`),
    h('p', { class: 'muted merge-ids' }, 'base ', status.base ? commit(status.base, target) : '(none)', ` · ours (${target}) `, commit(status.ours, target), ` · theirs (${status.source}) `, commit(status.theirs, status.source)),
    h(
      'p',
      { class: open ? 'warn-box' : 'ok-box', role: 'status' },
      open
        ? `${open} of ${status.conflicts.length} conflict${status.conflicts.length === 1 ? '' : 's'} unresolved. Nothing has been applied to ${target} yet.`
        : `Every conflict is resolved: continue the merge to apply it to ${target} and record the merge commit.`,
    ),
    messages,
    status.conflicts.map((conflict) => conflictCard(conflict, merge, actions)),
    h('h2', {}, 'Then'),
    open ? h('p', { class: 'muted' }, `Once every conflict is resolved, --continue plans the merge, runs it on ${target}'s database and records it.`) : [h('h3', {}, 'What --continue will run'), status.plan.length ? planList(status.plan) : h('p', { class: 'muted' }, 'Nothing: the resolved schema is what ' + target + ' has.')],
    cliBlock(['# apply and record it', cli(db, target, '--continue'), '# or forget it (nothing else changes)', cli(db, target, '--abort'), '# what this page shows, as text or --json', cli(db, target, '--status')]),
    h('h2', {}, 'From this page'),
    writesSection(access, writable, open, write, db, target),
  );
}

function writesSection(access, writable, open, write, db, target) {
  if (access.writes !== 'token') {
    return h('p', { class: 'muted', 'data-writes': 'off' }, 'Resolving from this page is off: this server was started without --api-token (or PGGIT_API_TOKEN), so it takes no writes over HTTP. Use the commands above.');
  }
  if (!writable) return [h('p', { class: 'muted' }, 'This server takes writes with its API token. Give it to resolve, continue or abort from this page:'), tokenForm(refresh)];
  const force = h('input', { type: 'checkbox', name: 'force' });
  return [
    tokenForm(refresh),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', disabled: open > 0, title: open ? 'resolve every conflict first' : '', onclick: () => write('merge/continue', { force: force.checked }, (result) => (location.hash = link(db, 'commit', result.commit, { branch: target }))) }, 'Continue the merge'),
      h('label', { class: 'check' }, force, ' allow deleting data (--force)'),
      h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Abort the merge into ${target}? Its resolutions are forgotten.`) && write('merge/abort', {}, () => (location.hash = link(db, 'merge'))) }, 'Abort'),
    ),
  ];
}
