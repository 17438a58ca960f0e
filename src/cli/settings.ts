// Where settings come from, strongest first: command-line flag, PGGIT_*
// environment variable, libpq's PG* variables, then the default.
import { UsageError } from './listen-address.js';

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
  if (explicit) return explicit;
  const host = env['PGHOST'] || 'localhost';
  const port = env['PGPORT'] || '5432';
  const user = env['PGUSER'] || env['USER'] || 'postgres';
  const database = env['PGDATABASE'] || user;
  // A socket directory goes in ?host=, as libpq URLs spell it.
  const hostPart = host.startsWith('/') ? `?host=${encodeURIComponent(host)}` : '';
  const netloc = host.startsWith('/') ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `postgres://${encodeURIComponent(user)}@${netloc}:${port}/${encodeURIComponent(database)}${hostPart}`;
}
