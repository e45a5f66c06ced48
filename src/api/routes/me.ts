import { z } from 'zod';
import type { Identity } from '../../services/identity/index.js';
import type { ApiRouter } from '../api-router.js';
import {
  appPasswordBody,
  appPasswordCreated,
  appPasswordView,
  changePasswordBody,
  numericId,
  profileBody,
  proofBody,
  recoveryCodes,
  recoveryStatus,
  sessionId,
  sessionView,
  totpConfirmBody,
  totpEnrolment,
  userView,
} from '../schemas/identity.js';

/**
 * /api/me: the caller's own account. Only display name and email are editable here (role, quota
 * and disabled are admin-only and rejected as unknown fields); sensitive changes need the current
 * password or a two-factor code.
 */
export function meRoutes(router: ApiRouter, identity: Identity): void {
  router.route({ method: 'get', path: '/me', summary: 'Own profile', auth: 'user', response: userView }, (_ctx, { principal }) =>
    identity.users.get(principal.userId),
  );

  router.route(
    { method: 'patch', path: '/me', summary: 'Change own display name or email (a new email needs the password or a code)', auth: 'user', body: profileBody, response: userView },
    (_ctx, { body, principal, actor }) => {
      const { password, code, ...patch } = body;
      return identity.account.updateProfile(principal.userId, patch, { password, code }, actor);
    },
  );

  router.route(
    {
      method: 'post',
      path: '/me/password',
      summary: 'Change own password; by default other sessions end and app passwords are revoked (revokeOtherSessions, revokeAppPasswords)',
      auth: 'user',
      body: changePasswordBody,
      status: 204,
    },
    async (_ctx, { body, principal, actor }) => {
      await identity.account.changePassword(
        principal.userId,
        body.currentPassword,
        body.newPassword,
        { ...actor, sessionId: principal.sessionId },
        { revokeOtherSessions: body.revokeOtherSessions, revokeAppPasswords: body.revokeAppPasswords },
      );
    },
  );

  router.route(
    { method: 'post', path: '/me/totp', summary: 'Start TOTP enrolment: secret, otpauth URI and QR code', auth: 'user', response: totpEnrolment, status: 201 },
    (_ctx, { principal, actor }) => identity.twoFactor.enrol(principal.userId, actor),
  );

  router.route(
    {
      method: 'post',
      path: '/me/totp/confirm',
      summary: 'Turn 2FA on with a code from the app and the current password; returns 10 recovery codes (shown once)',
      auth: 'user',
      body: totpConfirmBody,
      response: recoveryCodes,
    },
    async (_ctx, { body, principal, actor }) => ({ recoveryCodes: await identity.account.confirmTotp(principal.userId, body.code, body.password, actor) }),
  );

  router.route(
    { method: 'post', path: '/me/totp/disable', summary: 'Turn 2FA off (needs the password or a current code)', auth: 'user', body: proofBody, status: 204 },
    async (_ctx, { body, principal, actor }) => {
      await identity.account.disableTotp(principal.userId, body, actor);
    },
  );

  router.route({ method: 'get', path: '/me/recovery-codes', summary: 'How many unused recovery codes are left', auth: 'user', response: recoveryStatus }, async (_ctx, { principal }) => {
    const user = await identity.users.get(principal.userId);
    return { totpEnabled: user.totpEnabled, remaining: await identity.twoFactor.recoveryCodesRemaining(principal.userId) };
  });

  router.route(
    { method: 'post', path: '/me/recovery-codes', summary: 'Replace the recovery codes (needs the password or a current code)', auth: 'user', body: proofBody, response: recoveryCodes },
    async (_ctx, { body, principal, actor }) => ({ recoveryCodes: await identity.account.regenerateRecoveryCodes(principal.userId, body, actor) }),
  );

  router.route(
    { method: 'get', path: '/me/app-passwords', summary: 'Own app passwords with their last use', auth: 'user', response: z.object({ items: z.array(appPasswordView) }) },
    async (_ctx, { principal }) => ({ items: await identity.appPasswords.list(principal.userId) }),
  );

  router.route(
    {
      method: 'post',
      path: '/me/app-passwords',
      summary: 'Create an app password for WebDAV, and with `smb: true` for SMB (shown once; needs the current password or a code)',
      auth: 'user',
      body: appPasswordBody,
      response: appPasswordCreated,
      status: 201,
    },
    (_ctx, { body, principal, actor }) => identity.account.createAppPassword(principal.userId, body.name, { password: body.password, code: body.code }, actor, { smb: body.smb }),
  );

  router.route(
    { method: 'delete', path: '/me/app-passwords/:id', summary: 'Revoke an app password', auth: 'user', params: numericId, status: 204 },
    async (_ctx, { params, principal, actor }) => {
      await identity.appPasswords.revoke(principal.userId, params.id, actor);
    },
  );

  router.route(
    { method: 'get', path: '/me/sessions', summary: 'Own active sessions (refresh-token families)', auth: 'user', response: z.object({ items: z.array(sessionView) }) },
    async (_ctx, { principal }) => ({
      items: (await identity.sessions.listSessions(principal.userId)).map((s) => ({ ...s, current: s.id === principal.sessionId })),
    }),
  );

  router.route(
    { method: 'delete', path: '/me/sessions/:id', summary: 'End one of own sessions', auth: 'user', params: sessionId, status: 204 },
    async (_ctx, { params, principal, actor }) => {
      await identity.sessions.revokeSession(principal.userId, params.id, actor);
    },
  );
}
