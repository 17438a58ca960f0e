// The web page: static files from web/ in the package (no build step, no
// network at run time), served by the same HTTP server as the API.
//
//   GET /               web/index.html
//   GET /assets/NAME    web/NAME (scripts, styles, images)
//
// Files are read once and kept: they are a few kilobytes and never change
// while the process runs.
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError, type HttpResponse, type Route } from './router.js';

/** web/ beside src/ and dist/: the same relative path from src/http and dist/http. */
export const PAGE_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Nothing but this server: no inline scripts, no other origin. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function pageRoutes(dir = PAGE_DIR): Route[] {
  const cache = new Map<string, Buffer>();
  const file = async (name: string): Promise<HttpResponse> => {
    // One path segment of plain characters: no "..", no hidden files.
    const type = TYPES[extname(name)];
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || type === undefined) throw new HttpError(404, `no such file: ${name}`);
    let body = cache.get(name);
    if (!body) {
      try {
        body = await readFile(join(dir, name));
      } catch {
        throw new HttpError(404, `no such file: ${name}`);
      }
      cache.set(name, body);
    }
    return { status: 200, body, contentType: type, headers: SECURITY_HEADERS };
  };
  return [
    { method: 'GET', path: '/', handler: () => file('index.html') },
    { method: 'GET', path: '/assets/:name', handler: (request) => file(request.params['name']!) },
  ];
}
