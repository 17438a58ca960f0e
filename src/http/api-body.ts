// Reading a JSON request body: an object, its booleans and strings checked
// with a 400 that names the field.
import { HttpError, type HttpRequest } from './router.js';

export type Body = Record<string, unknown>;

export function bodyOf(request: HttpRequest): Body {
  const body = request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Body;
}

export function flag(body: Body, name: string): boolean {
  const value = body[name];
  if (value !== undefined && typeof value !== 'boolean') throw new HttpError(400, `"${name}" must be true or false`);
  return value === true;
}

export function text(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value !== undefined && typeof value !== 'string') throw new HttpError(400, `"${name}" must be a string`);
  return value;
}

export function requiredText(body: Body, name: string): string {
  const value = text(body, name);
  if (value === undefined || value === '') throw new HttpError(400, `"${name}" is required`);
  return value;
}
