// A pg connection config for one database of the server a postgres:// URL
// names. Not a URL with the database swapped in: pg reads a URL's path with
// decodeURI, which leaves "%40" and "%2F" encoded, so a branch database such
// as "app@feature" could not be reached that way.
import type pg from 'pg';

export function databaseConfig(url: string, database: string): pg.ClientConfig {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  const socketDir = params.get('host');
  const hostname = decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1');
  const config: pg.ClientConfig = { database };
  const host = socketDir || hostname;
  if (host) config.host = host;
  if (parsed.port) config.port = Number(parsed.port);
  if (parsed.username) config.user = decodeURIComponent(parsed.username);
  if (parsed.password) config.password = decodeURIComponent(parsed.password);
  const options = params.get('options');
  if (options) config.options = options;
  const sslmode = params.get('sslmode');
  if (sslmode && sslmode !== 'disable' && sslmode !== 'allow' && sslmode !== 'prefer') {
    config.ssl = { rejectUnauthorized: sslmode === 'verify-ca' || sslmode === 'verify-full' };
  }
  return config;
}

/** The database a postgres:// URL names (its path), decoded; '' when none. */
export function databaseOfUrl(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
