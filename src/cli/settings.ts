// Where settings come from, strongest first: command-line flag, PGGIT_*
// environment variable, libpq's PG* variables, then the default.
import { UsageError } from './listen-address.js';
import { TLS_URL_PARAMETERS } from '../store/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function setting(flag: string | undefined, env: Env, names: readonly string[], fallback: string): string {
  if (flag !== undefined) return flag;
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return fallback;
}

export function optionalSetting(flag: string | undefined, env: Env, names: readonly string[]): string | undefined {
  const value = setting(flag, env, names, '');
  return value === '' ? undefined : value;
}

export function secondsSetting(value: string, name: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`${name} must be a number of seconds, got "${value}"`);
  return seconds;
}

/** The upstream server as a URL: --upstream, PGGIT_UPSTREAM, else PGHOST/PGPORT/PGUSER/PGDATABASE. */
export function upstreamUrl(flag: string | undefined, env: Env): string {
  const explicit = optionalSetting(flag, env, ['PGGIT_UPSTREAM']);
  if (explicit) return withTlsEnvironment(explicit, env);
  const host = env['PGHOST'] || 'localhost';
  const port = env['PGPORT'] || '5432';
  const user = env['PGUSER'] || env['USER'] || 'postgres';
  const database = env['PGDATABASE'] || user;
  // A socket directory goes in ?host=, as libpq URLs spell it.
  const hostPart = host.startsWith('/') ? `?host=${encodeURIComponent(host)}` : '';
  const netloc = host.startsWith('/') ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return withTlsEnvironment(`postgres://${encodeURIComponent(user)}@${netloc}:${port}/${encodeURIComponent(database)}${hostPart}`, env);
}

/** A postgres:// URL given PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY where it says nothing itself (as libpq reads them). */
export function withTlsEnvironment(url: string, env: Env): string {
  if (!/^postgres(ql)?:/.test(url)) return url;
  const parsed = new URL(url);
  let changed = false;
  for (const [parameter, variable] of Object.entries(TLS_URL_PARAMETERS)) {
    const value = env[variable];
    if (!value || parsed.searchParams.has(parameter)) continue;
    parsed.searchParams.set(parameter, value);
    changed = true;
  }
  return changed ? parsed.toString() : url;
}
