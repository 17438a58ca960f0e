/** Parses HOST:PORT (or [v6]:PORT, or just PORT). */
export function parseHostPort(value: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`expected HOST:PORT, got "${value}"`);
  }
  return { host: match[1] || match[2] || defaultHost, port };
}

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The host to put in a URL that reaches a listener (a wildcard address means this machine). */
export function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
