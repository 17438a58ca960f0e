import { describe, expect, it } from 'vitest';
import { upstreamFromUrl } from '../proxy/index.js';
import { setting, upstreamUrl, withTlsEnvironment } from './settings.js';

describe('settings', () => {
  it('prefers the flag, then PGGIT_*, then libpq variables, then the default', () => {
    expect(setting('flag', { A: 'env' }, ['A'], 'default')).toBe('flag');
    expect(setting(undefined, { A: '', B: 'b' }, ['A', 'B'], 'default')).toBe('b');
    expect(setting(undefined, {}, ['A'], 'default')).toBe('default');
  });

  it('builds the upstream from PGHOST/PGPORT/PGUSER/PGDATABASE', () => {
    const url = upstreamUrl(undefined, { PGHOST: 'db', PGPORT: '6000', PGUSER: 'app', PGDATABASE: 'shop' });
    expect(url).toBe('postgres://app@db:6000/shop');
  });

  it('turns a PGHOST socket directory into a URL the proxy can use', () => {
    const url = upstreamUrl(undefined, { PGHOST: '/tmp', PGPORT: '5433', PGUSER: 'app' });
    expect(upstreamFromUrl(url)).toMatchObject({ kind: 'unix', path: '/tmp/.s.PGSQL.5433' });
  });

  it('lets PGGIT_UPSTREAM win over the libpq variables', () => {
    expect(upstreamUrl(undefined, { PGGIT_UPSTREAM: 'postgres://x@y:1/z', PGHOST: 'db' })).toBe('postgres://x@y:1/z');
  });
});

describe('libpq TLS variables', () => {
  it('fold PGSSLMODE and friends into the URL where it says nothing', () => {
    const env = { PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/ca.pem' };
    expect(withTlsEnvironment('postgres://u@h:5432/db', env)).toBe('postgres://u@h:5432/db?sslmode=verify-full&sslrootcert=%2Fca.pem');
    expect(withTlsEnvironment('postgres://u@h:5432/db?sslmode=disable', env)).toBe('postgres://u@h:5432/db?sslmode=disable&sslrootcert=%2Fca.pem');
  });

  it('apply to the upstream built from PGHOST as well', () => {
    expect(upstreamUrl(undefined, { PGHOST: 'db', PGUSER: 'app', PGSSLMODE: 'require' })).toBe('postgres://app@db:5432/app?sslmode=require');
  });
});
