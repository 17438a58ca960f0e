// Writes over HTTP: the page asks whether the server takes them at all
// (never learning the token), and each write is checked against the token.
import { describe, expect, it } from 'vitest';
import { accessRoutes, authorize } from './api-auth.js';
import type { HttpRequest } from './router.js';

const request = (authorization?: string): HttpRequest => ({ method: 'POST', path: '/api/merge/resolve', params: {}, query: new URLSearchParams(), body: {}, headers: authorization ? { authorization } : {} });

describe('GET /api/access', () => {
  it('says "token" when the server has one and "off" when not, and nothing more', async () => {
    const on = await accessRoutes('s3cret')[0]!.handler(request());
    expect(on).toEqual({ status: 200, body: { writes: 'token' } });
    expect(JSON.stringify(on)).not.toContain('s3cret');
    expect(await accessRoutes(undefined)[0]!.handler(request())).toEqual({ status: 200, body: { writes: 'off' } });
  });
});

describe('authorize', () => {
  it('takes the right bearer token, refuses a wrong or missing one (401) and every write without a configured token (403)', () => {
    expect(() => authorize(request('Bearer s3cret'), 's3cret')).not.toThrow();
    expect(() => authorize(request('Bearer nope'), 's3cret')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => authorize(request(), 's3cret')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => authorize(request('Bearer s3cret'), undefined)).toThrow(expect.objectContaining({ status: 403 }));
  });
});
