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
  const url = `/api/${path}${query.size ? `?${query}` : ''}`;
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, 'BAD_ANSWER', `${url} did not answer JSON (HTTP ${response.status})`);
  }
  if (!response.ok) throw new ApiError(response.status, body.code ?? 'ERROR', body.message ?? body.error ?? `HTTP ${response.status}`);
  return body;
}
