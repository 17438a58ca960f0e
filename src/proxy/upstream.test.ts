import { describe, expect, it } from 'vitest';
import { upstreamFromUrl } from './upstream.js';

describe('upstream from a postgres:// URL', () => {
  it('takes host and port', () => {
    expect(upstreamFromUrl('postgres://u:p@db.internal:6543/app')).toMatchObject({ kind: 'tcp', host: 'db.internal', port: 6543 });
  });

  it('defaults the port to 5432 and unwraps IPv6 brackets', () => {
    expect(upstreamFromUrl('postgresql://[::1]/app')).toMatchObject({ kind: 'tcp', host: '::1', port: 5432 });
  });

  it('uses a socket directory given as ?host=', () => {
    expect(upstreamFromUrl('postgres://u@localhost:5433/app?host=%2Fvar%2Frun%2Fpostgresql')).toMatchObject({
      kind: 'unix',
      path: '/var/run/postgresql/.s.PGSQL.5433',
    });
  });

  it('refuses other schemes', () => {
    expect(() => upstreamFromUrl('mysql://x/y')).toThrow(/postgres:\/\/ URL/);
  });
});
