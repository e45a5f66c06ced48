import { AuthError } from '../lib/errors.js';
import type { CorsPolicy } from '../lib/cors-policy.js';
import type { ApiContext } from './context.js';

/** The cookie that holds a browser's refresh token. */
export const REFRESH_COOKIE = 'nasd_refresh';
/** The request header that selects cookie mode on /api/auth/login, /refresh and /logout. */
export const SESSION_HEADER = 'X-Nasd-Session';
const COOKIE_PATH = '/api/auth/';

/**
 * Whether the request asked for cookie mode (`X-Nasd-Session: cookie`): the refresh token then
 * travels only in the HttpOnly `nasd_refresh` cookie, never in a JSON body page script could read.
 * Without the header, the auth routes keep the token in the JSON body (API clients, curl).
 */
export function wantsCookieSession(ctx: ApiContext): boolean {
  return ctx.get(SESSION_HEADER).trim().toLowerCase() === 'cookie';
}

/**
 * CSRF protection for the cookie: a browser sends it with any request to /api/auth/, even one a
 * foreign page starts. A foreign page cannot add the custom header without a CORS preflight, which
 * the policy refuses, and a browser always names the real `Origin` on a POST; so a cookie is only
 * used when the header is present and the Origin (if any) is nasd's own or a configured one.
 */
export function assertCookieRequestAllowed(ctx: ApiContext, cors: CorsPolicy): void {
  if (!wantsCookieSession(ctx)) {
    throw new AuthError('FORBIDDEN', `using the session cookie needs the header "${SESSION_HEADER}: cookie"`, { details: { reason: 'SESSION_HEADER_REQUIRED' } });
  }
  const origin = ctx.get('Origin') || undefined;
  // Koa 3's ctx.origin is the request's Origin header, not the server's: build it from scheme and host.
  const own = `${ctx.protocol}://${ctx.host}`;
  if (!cors.trustsOrigin(origin, own)) {
    throw new AuthError('FORBIDDEN', `requests from origin ${origin} may not use the session cookie`, { details: { reason: 'ORIGIN_NOT_ALLOWED' } });
  }
}

/** The refresh token from the cookie, if the browser sent one. */
export function readRefreshCookie(ctx: ApiContext): string | undefined {
  return ctx.cookies.get(REFRESH_COOKIE) || undefined;
}

/**
 * Sets the refresh cookie: HttpOnly (no script reads it), SameSite=Strict (no cross-site request
 * carries it), scoped to /api/auth/, Secure when the request came over TLS (directly, or through
 * a trusted proxy's X-Forwarded-Proto). A session cookie: it ends with the browser, while the
 * token's own expiry still bounds it on the server.
 */
export function setRefreshCookie(ctx: ApiContext, token: string): void {
  ctx.cookies.set(REFRESH_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: COOKIE_PATH, secure: ctx.secure, overwrite: true });
}

/** Clears the refresh cookie (same attributes, expired). */
export function clearRefreshCookie(ctx: ApiContext): void {
  ctx.cookies.set(REFRESH_COOKIE, null, { httpOnly: true, sameSite: 'strict', path: COOKIE_PATH, secure: ctx.secure, overwrite: true });
}
