import type { CorsPolicy } from '../../lib/cors-policy.js';
import { AuthError, isAppError } from '../../lib/errors.js';
import type { Identity, TokenPair } from '../../services/identity/index.js';
import type { ApiRouter } from '../api-router.js';
import type { ApiContext } from '../context.js';
import { loginBody, logoutBody, refreshBody, tokenPair } from '../schemas/identity.js';
import { assertCookieRequestAllowed, clearRefreshCookie, readRefreshCookie, setRefreshCookie, wantsCookieSession } from '../session-cookie.js';

/** In cookie mode the refresh token goes into the HttpOnly cookie and out of the JSON answer. */
function present(ctx: ApiContext, pair: TokenPair, cookieMode: boolean): Omit<TokenPair, 'refreshToken'> & { refreshToken?: string } {
  if (!cookieMode) return pair;
  setRefreshCookie(ctx, pair.refreshToken);
  const { refreshToken: _inCookie, ...rest } = pair;
  return rest;
}

/**
 * /api/auth: login (password, then TOTP or a recovery code when 2FA is on), refresh-token rotation
 * and logout. App passwords are not accepted here: they are for WebDAV and SMB only.
 * With `X-Nasd-Session: cookie` (the admin UI) the refresh token lives in the HttpOnly
 * `nasd_refresh` cookie instead of the JSON body; see session-cookie.ts for its CSRF checks.
 */
export function authRoutes(router: ApiRouter, identity: Identity, cors: CorsPolicy): void {
  router.route(
    {
      method: 'post',
      path: '/login',
      summary: 'Log in; returns an access token (15 min) and a refresh token (7 days; with X-Nasd-Session: cookie, in the HttpOnly nasd_refresh cookie instead)',
      auth: 'public',
      body: loginBody,
      response: tokenPair,
    },
    async (ctx, { body }) => {
      const cookieMode = wantsCookieSession(ctx);
      if (cookieMode) assertCookieRequestAllowed(ctx, cors);
      return present(ctx, await identity.sessions.login(body, ctx.state.actor), cookieMode);
    },
  );

  router.route(
    {
      method: 'post',
      path: '/refresh',
      summary: 'Exchange a refresh token (the body\'s, or the nasd_refresh cookie with X-Nasd-Session: cookie) for a new pair; the old one stops working',
      auth: 'public',
      body: refreshBody,
      response: tokenPair,
    },
    async (ctx, { body }) => {
      const cookieMode = wantsCookieSession(ctx);
      if (cookieMode || !body.refreshToken) assertCookieRequestAllowed(ctx, cors);
      const token = body.refreshToken ?? readRefreshCookie(ctx);
      if (!token) throw new AuthError('UNAUTHENTICATED', 'no session cookie: log in again');
      try {
        return present(ctx, await identity.sessions.refresh(token, ctx.state.actor), cookieMode);
      } catch (err) {
        if (cookieMode && isAppError(err) && err.code === 'UNAUTHENTICATED') clearRefreshCookie(ctx);
        throw err;
      }
    },
  );

  router.route(
    {
      method: 'post',
      path: '/logout',
      summary: 'End the current session (bearer token), the session of the given refresh token, or (with X-Nasd-Session: cookie) the cookie\'s session, clearing the cookie',
      auth: 'public',
      body: logoutBody,
      status: 204,
    },
    async (ctx, { body, principal }) => {
      const cookieMode = wantsCookieSession(ctx);
      if (cookieMode) assertCookieRequestAllowed(ctx, cors);
      const refreshToken = body.refreshToken ?? (cookieMode ? readRefreshCookie(ctx) : undefined);
      try {
        await identity.sessions.logout(
          principal?.sessionId ? { sessionId: principal.sessionId, userId: principal.userId } : { refreshToken },
          ctx.state.actor,
        );
      } finally {
        if (cookieMode) clearRefreshCookie(ctx);
      }
    },
  );
}
