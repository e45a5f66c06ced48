import type { Identity } from '../../services/identity/index.js';
import type { ApiRouter } from '../api-router.js';
import { loginBody, logoutBody, refreshBody, tokenPair } from '../schemas/identity.js';
import { auditContext } from './request-meta.js';

/**
 * /api/auth: login (password, then TOTP or a recovery code when 2FA is on), refresh-token rotation
 * and logout. App passwords are not accepted here: they are for WebDAV and SMB only.
 */
export function authRoutes(router: ApiRouter, identity: Identity): void {
  router.route(
    { method: 'post', path: '/login', summary: 'Log in; returns an access token (15 min) and a refresh token (7 days)', auth: 'public', body: loginBody, response: tokenPair },
    (ctx, { body }) => identity.sessions.login(body, auditContext(ctx)),
  );

  router.route(
    { method: 'post', path: '/refresh', summary: 'Exchange a refresh token for a new pair (the old one stops working)', auth: 'public', body: refreshBody, response: tokenPair },
    (ctx, { body }) => {
      const meta = auditContext(ctx);
      return identity.sessions.refresh(body.refreshToken, { address: meta.address, userAgent: meta.userAgent, protocol: 'api' });
    },
  );

  router.route(
    { method: 'post', path: '/logout', summary: 'End the current session (bearer token) or the session of the given refresh token', auth: 'public', body: logoutBody, status: 204 },
    async (ctx, { body, principal }) => {
      await identity.sessions.logout(
        principal?.sessionId ? { sessionId: principal.sessionId, userId: principal.userId } : { refreshToken: body.refreshToken },
        auditContext(ctx, principal),
      );
    },
  );
}
