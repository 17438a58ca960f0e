// A link to the web page of the running pggit the command is talking to,
// for the messages that are easier to follow on the page (a merge that
// stopped on conflicts). Only when no flag or variable named another store:
// then the store in use is the running pggit's, and so is its page.
import type { Env } from './settings.js';
import { runningPggit } from './state-file.js';

export interface StoreFlags {
  readonly store?: string | undefined;
  readonly upstream?: string | undefined;
}

/** http://HOST:PORT/#/r/DB/<path>, or undefined when the page is not known to show this store. */
export async function pageLink(values: StoreFlags, env: Env, repository: string, ...path: string[]): Promise<string | undefined> {
  if (values.store !== undefined || values.upstream !== undefined || env['PGGIT_STORE_URL'] || env['PGGIT_UPSTREAM']) return undefined;
  const running = await runningPggit(env);
  if (!running?.http || !running.store) return undefined;
  return `${running.http}/#/r/${[repository, ...path].map(encodeURIComponent).join('/')}`;
}
