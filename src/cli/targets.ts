// Which store and which server a command talks to, strongest first: the
// flag, PGGIT_* variables, the running pggit (its state file), then libpq's
// PG* variables and their defaults.
import { defaultStoreUrl } from '../store/index.js';
import { runningPggit } from './state-file.js';
import { upstreamUrl, withTlsEnvironment, type Env } from './settings.js';

/** The metadata store for reading and branch commands. */
export async function storeUrlFor(flag: string | undefined, env: Env): Promise<string> {
  return withTlsEnvironment(await storeUrlUntouched(flag, env), env);
}

async function storeUrlUntouched(flag: string | undefined, env: Env): Promise<string> {
  if (flag !== undefined) return flag;
  if (env['PGGIT_STORE_URL']) return env['PGGIT_STORE_URL'];
  if (env['PGGIT_UPSTREAM']) return defaultStoreUrl(env['PGGIT_UPSTREAM']);
  const running = await runningPggit(env);
  if (running?.store) return running.store;
  return defaultReadStoreUrl(env);
}

/** The upstream server (as a role that may create databases) for branch commands. */
export async function upstreamUrlFor(flag: string | undefined, env: Env): Promise<string> {
  if (flag !== undefined || env['PGGIT_UPSTREAM']) return upstreamUrl(flag, env);
  const running = await runningPggit(env);
  return running?.upstream ?? upstreamUrl(undefined, env);
}

/** Database "pggit" on libpq's PGHOST/PGPORT as PGUSER. */
export function defaultReadStoreUrl(env: Env): string {
  const host = env['PGHOST'] || 'localhost';
  const port = env['PGPORT'] || '5432';
  const user = encodeURIComponent(env['PGUSER'] || env['USER'] || 'postgres');
  // A socket directory goes in ?host= (a URL cannot carry it as its host).
  if (host.startsWith('/')) return `postgres://${user}@localhost:${port}/pggit?host=${encodeURIComponent(host)}`;
  return `postgres://${user}@${host.includes(':') ? `[${host}]` : host}:${port}/pggit`;
}
