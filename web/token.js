// The API token for writes from this page, kept for this tab only
// (sessionStorage): the server refuses every write without it.
import { h } from './dom.js';

const KEY = 'pggit.apiToken';

export const savedToken = () => sessionStorage.getItem(KEY) ?? '';

/** A small form to give or forget the token; onChange() redraws the page. */
export function tokenForm(onChange) {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', placeholder: 'the --api-token of this server', 'aria-label': 'API token' });
  if (savedToken()) {
    return h('p', { class: 'token muted small' }, 'API token given for this tab. ', h('button', { type: 'button', class: 'link', onclick: () => (sessionStorage.removeItem(KEY), onChange()) }, 'forget it'));
  }
  return h(
    'form',
    { class: 'toolbar token', onsubmit: (event) => (event.preventDefault(), input.value.trim() && (sessionStorage.setItem(KEY, input.value.trim()), onChange())) },
    h('label', {}, 'API token ', input),
    h('button', { type: 'submit' }, 'Use it'),
  );
}
