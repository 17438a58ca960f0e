// Links between views, and the repositories list every view needs.
import { api } from './api.js';

/** #/r/DB/VIEW/ARG?query, every part URL-encoded. */
export function link(db, view, arg, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined && value !== null && value !== '' && value !== false));
  return `#/r/${encodeURIComponent(db)}/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}${search.size ? `?${search}` : ''}`;
}

/** Read at every page change: branches come and go. */
export async function loadRepositories() {
  return (await api('repositories')).repositories;
}


/** Draw the current page again (after a write changed what it shows). */
export function refresh() {
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
