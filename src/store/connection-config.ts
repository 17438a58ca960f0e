// A pg connection config for one database of the server a postgres:// URL
// names. Not a URL with the database swapped in: pg reads a URL's path with
// decodeURI, which leaves "%40" and "%2F" encoded, so a branch database such
// as "app@feature" could not be reached that way.
import type pg from 'pg';
import { NegotiatedStream } from './negotiated-stream.js';
import { serverTargetFromUrl } from './server-connection.js';

/** Connecting (TCP and TLS negotiation) gives up after this; pg's own connectionTimeoutMillis may be shorter. */
const CONNECT_TIMEOUT_MS = 10_000;

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
  // TLS as libpq negotiates it (sslmode, sslrootcert, sslcert, sslkey), for pg too.
  const target = serverTargetFromUrl(url);
  config.stream = () => new NegotiatedStream(target, CONNECT_TIMEOUT_MS);
  return config;
}

/** The config for the database the URL itself names. */
export function urlConfig(url: string): pg.ClientConfig {
  return databaseConfig(url, databaseOfUrl(url));
}

/** The database a postgres:// URL names (its path), decoded; '' when none. */
export function databaseOfUrl(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
