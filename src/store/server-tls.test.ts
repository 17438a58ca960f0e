import { describe, expect, it } from 'vitest';
import { effectiveMode } from './server-connection.js';
import { serverTlsSettings } from './server-tls.js';

describe('TLS settings from a postgres:// URL', () => {
  it('defaults to prefer, as libpq', () => {
    expect(serverTlsSettings('postgres://u@h/db')).toEqual({ mode: 'prefer', rootCert: undefined, cert: undefined, key: undefined });
  });

  it('reads sslmode, sslrootcert, sslcert and sslkey', () => {
    const url = 'postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Fca.pem&sslcert=%2Fc.pem&sslkey=%2Fk.pem';
    expect(serverTlsSettings(url)).toEqual({ mode: 'verify-full', rootCert: '/ca.pem', cert: '/c.pem', key: '/k.pem' });
  });

  it('refuses an unknown sslmode, naming the valid ones', () => {
    expect(() => serverTlsSettings('postgres://h/db?sslmode=on')).toThrow('invalid sslmode value: "on" (one of disable, allow, prefer, require, verify-ca, verify-full)');
  });

  it('allows sslrootcert=system only with verify-full, as libpq 16', () => {
    expect(() => serverTlsSettings('postgres://h/db?sslmode=require&sslrootcert=system')).toThrow(/weak sslmode "require"/);
    expect(serverTlsSettings('postgres://h/db?sslmode=verify-full&sslrootcert=system').rootCert).toBe('system');
  });
});

describe('the mode a session uses', () => {
  it('raises disable and allow to prefer for a client that came over TLS', () => {
    expect(effectiveMode('disable', true)).toBe('prefer');
    expect(effectiveMode('allow', true)).toBe('prefer');
    expect(effectiveMode('disable', false)).toBe('disable');
  });

  it('keeps every other mode', () => {
    for (const mode of ['prefer', 'require', 'verify-ca', 'verify-full'] as const) expect(effectiveMode(mode, true)).toBe(mode);
  });
});
