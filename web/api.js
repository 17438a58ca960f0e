// The JSON API of this same server.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(name, value);
  return answer(await fetch(`/api/${path}${query.size ? `?${query}` : ''}`, { headers: { accept: 'application/json' } }));
}

/** A write: JSON body, the API token as a bearer token (the server refuses writes without it). */
export async function post(path, body, token) {
  const headers = { accept: 'application/json', 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return answer(await fetch(`/api/${path}`, { method: 'POST', headers, body: JSON.stringify(body) }));
}

async function answer(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, 'BAD_ANSWER', `${new URL(response.url).pathname} did not answer JSON (HTTP ${response.status})`);
  }
  if (!response.ok) throw Object.assign(new ApiError(response.status, body.code ?? 'ERROR', body.message ?? body.error ?? `HTTP ${response.status}`), { body });
  return body;
}
