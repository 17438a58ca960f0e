// Writes through the JSON API (branches, and merge/revert as they land) need
// "Authorization: Bearer TOKEN" with the token from --api-token / PGGIT_API_TOKEN.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError, type HttpRequest, type Route } from './router.js';

/** Throws 403 when no token is configured, 401 when the request's is missing or wrong. */
export function authorize(request: HttpRequest, token: string | undefined): void {
  if (token === undefined) {
    throw new HttpError(403, 'changing anything over HTTP is off: start the proxy with --api-token TOKEN (or PGGIT_API_TOKEN) and send "Authorization: Bearer TOKEN"');
  }
  const header = request.headers['authorization'];
  const given = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
  if (given === undefined || !sameSecret(given, token)) throw new HttpError(401, 'missing or wrong "Authorization: Bearer" token');
}

/** Constant time, length included: both sides are hashed to 32 bytes first. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}


/** GET /api/access: whether this server takes writes at all, so the page offers them only then (never the token itself). */
export function accessRoutes(token: string | undefined): Route[] {
  return [{ method: 'GET', path: '/api/access', handler: () => ({ status: 200, body: { writes: token === undefined ? 'off' : 'token' } }) }];
}
