// Every server call of the UI: bearer token in memory, refresh token in an HttpOnly cookie,
// ONE shared refresh for every concurrent caller, typed errors.

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

// Asks the server to keep the refresh token in the HttpOnly `nasd_refresh` cookie (never in the
// JSON answer), so no page script can read it. The custom header also forces a CORS preflight,
// which protects the cookie endpoints from cross-site requests.
const SESSION_HEADER = { 'X-Nasd-Session': 'cookie' };
// Not a credential: only remembers that a session cookie may exist, so a page load without one
// does not start with a refresh that is bound to fail.
const SIGNED_IN_HINT = 'nasd.signedIn';

let accessToken = null;
let refreshing = null;
const listeners = new Set();

/** Subscribe to sign-in/sign-out changes; returns the unsubscribe function. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setSession(tokens) {
  accessToken = tokens ? tokens.accessToken : null;
  if (tokens) localStorage.setItem(SIGNED_IN_HINT, '1');
  else localStorage.removeItem(SIGNED_IN_HINT);
  for (const fn of listeners) fn(tokens ? tokens.user : null);
}

function send(method, path, body, extraHeaders) {
  const headers = { ...extraHeaders };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
}

async function fail(res) {
  const text = await res.text();
  let err = {};
  try { err = (JSON.parse(text).error) || {}; } catch { err = { message: text.trim() }; }
  return new ApiError(res.status, err.code || 'HTTP_' + res.status, err.message || res.statusText || `HTTP ${res.status}`, err.details);
}

async function parse(res) {
  if (!res.ok) throw await fail(res);
  const text = await res.text();
  return text && (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text;
}

async function refreshNow() {
  try {
    setSession(await parse(await send('POST', '/api/auth/refresh', {}, SESSION_HEADER)));
    return true;
  } catch {
    setSession(null);
    return false;
  }
}

/**
 * Gets a new access token; false when there is no valid session. Concurrent callers share one
 * request: the refresh token rotates on every use, so a second parallel refresh would present the
 * old value, look like token theft to the server and end the session.
 */
export function resumeSession() {
  if (!localStorage.getItem(SIGNED_IN_HINT)) return Promise.resolve(false);
  // Tabs share the cookie too: where the Web Locks API exists (secure contexts), one tab at a time.
  const run = navigator.locks ? () => navigator.locks.request('nasd-refresh', refreshNow) : refreshNow;
  if (!refreshing) refreshing = run().finally(() => { refreshing = null; });
  return refreshing;
}

/** Sends a request; on 401 waits for the one shared refresh and retries once. Returns the Response. */
async function authorized(method, path, body) {
  const sentWith = accessToken;
  let res = await send(method, path, body);
  if (res.status === 401 && sentWith) {
    // Another caller may already have refreshed while this request was in flight.
    const fresh = accessToken && accessToken !== sentWith ? true : await resumeSession();
    if (fresh) res = await send(method, path, body);
    if (res.status === 401 && accessToken === sentWith) setSession(null);
  }
  return res;
}

/** Calls the API and returns the parsed JSON (or text); throws ApiError with the server's message. */
export async function api(method, path, body) {
  return parse(await authorized(method, path, body));
}

/** Fetches a binary resource (download, zip, preview) as a Blob: a GET, or a POST when `body` is given. */
export async function apiBlob(path, body) {
  const res = await authorized(body === undefined ? 'GET' : 'POST', path, body);
  if (!res.ok) throw await fail(res);
  return res.blob();
}

/** The current access token for other transports (tus uploads), refreshed first when absent. */
export async function bearer() {
  if (!accessToken) await resumeSession();
  return accessToken;
}

export async function login(username, password, totp) {
  const payload = { username, password };
  if (totp) payload.totp = totp;
  setSession(await parse(await send('POST', '/api/auth/login', payload, SESSION_HEADER)));
}

export async function logout() {
  try {
    await send('POST', '/api/auth/logout', {}, SESSION_HEADER);
  } finally {
    setSession(null);
  }
}
