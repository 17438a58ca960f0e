import { describe, expect, it } from 'vitest';
import { HttpError, Router, type Route } from './router.js';

const ok = () => ({ status: 200 });
const routes: Route[] = [
  { method: 'GET', path: '/metrics', handler: ok },
  { method: 'GET', path: '/api/branches', handler: ok },
  { method: 'POST', path: '/api/branches', handler: ok },
  { method: 'GET', path: '/api/branches/:name', handler: ok },
  { method: 'GET', path: '/api/branches/:name/commits/:id', handler: ok },
];
const router = new Router(routes);

describe('router', () => {
  it('matches literal paths by method', () => {
    const match = router.match('POST', '/api/branches');
    expect(match.kind).toBe('found');
    if (match.kind === 'found') expect(match.route).toBe(routes[2]);
  });

  it('captures and decodes parameters', () => {
    const match = router.match('GET', '/api/branches/feature%2Fx/commits/42');
    expect(match).toMatchObject({ kind: 'found', params: { name: 'feature/x', id: '42' } });
  });

  it('answers HEAD with the GET route', () => {
    expect(router.match('HEAD', '/metrics').kind).toBe('found');
  });

  it('tells a wrong method from an unknown path', () => {
    expect(router.match('DELETE', '/metrics')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD'] });
    expect(router.match('GET', '/nope')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/metrics/')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/api/branches/')).toEqual({ kind: 'not-found' });
  });

  it('refuses a malformed parameter with 400', () => {
    expect(() => router.match('GET', '/api/branches/%E0%A4%A')).toThrow(HttpError);
  });

  it('refuses two routes for the same method and pattern', () => {
    expect(
      () =>
        new Router([
          { method: 'GET', path: '/a/:x', handler: ok },
          { method: 'GET', path: '/a/:y', handler: ok },
        ]),
    ).toThrow(/two routes/);
  });
});
