// Fetch wrapper for the admin API: bearer token, transparent refresh, typed errors.

/** A non-2xx answer from the API, with the server's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const REFRESH_KEY = 'nasd.refreshToken';
let accessToken = null;
const listeners = new Set();

/** Subscribe to sign-in/sign-out changes; returns the unsubscribe function. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setSession(tokens) {
  accessToken = tokens ? tokens.accessToken : null;
  if (tokens) sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
  else sessionStorage.removeItem(REFRESH_KEY);
  for (const fn of listeners) fn(tokens ? tokens.user : null);
}

async function send(method, path, body) {
  const headers = {};
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function parse(res) {
  const text = await res.text();
  const data = text && (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text;
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || 'HTTP_' + res.status, err.message || res.statusText, err.details);
  }
  return data;
}

/** Uses the stored refresh token to get a new pair; false when there is no valid session. */
export async function resumeSession() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return false;
  try {
    setSession(await parse(await send('POST', '/api/auth/refresh', { refreshToken })));
    return true;
  } catch {
    setSession(null);
    return false;
  }
}

/** Calls the API; on 401 tries one refresh, then gives up and signs out. */
export async function api(method, path, body) {
  let res = await send(method, path, body);
  if (res.status === 401 && accessToken && (await resumeSession())) res = await send(method, path, body);
  if (res.status === 401) setSession(null);
  return parse(res);
}

export async function login(username, password, totp) {
  const payload = { username, password };
  if (totp) payload.totp = totp;
  setSession(await parse(await send('POST', '/api/auth/login', payload)));
}

export async function logout() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  try {
    await send('POST', '/api/auth/logout', refreshToken ? { refreshToken } : {});
  } finally {
    setSession(null);
  }
}
