import { z } from 'zod';
import type { Accounts } from '../../services/accounts.js';
import type { Identity } from '../../services/identity/index.js';
import type { ApiRouter } from '../api-router.js';
import { createUserBody, deleteUserQuery, numericId, resetPasswordBody, updateUserBody, userView } from '../schemas/identity.js';

/**
 * /api/users: administrators manage accounts (the last enabled admin cannot be removed, demoted
 * or disabled). Deletion goes through `accounts`, which retires the user's storage with them.
 */
export function usersRoutes(router: ApiRouter, identity: Identity, accounts: Accounts): void {
  router.route({ method: 'get', path: '/users', summary: 'List users', auth: 'admin', response: z.object({ items: z.array(userView) }) }, async () => ({
    items: await identity.users.list(),
  }));

  router.route({ method: 'post', path: '/users', summary: 'Create a user', auth: 'admin', body: createUserBody, response: userView, status: 201 }, (_ctx, { body, actor }) =>
    identity.users.create(body, actor),
  );

  router.route({ method: 'get', path: '/users/:id', summary: 'One user', auth: 'admin', params: numericId, response: userView }, (_ctx, { params }) =>
    identity.users.get(params.id),
  );

  router.route(
    { method: 'patch', path: '/users/:id', summary: 'Change role, quota, display name, email or disabled', auth: 'admin', params: numericId, body: updateUserBody, response: userView },
    (_ctx, { params, body, actor }) => identity.users.update(params.id, body, actor),
  );

  router.route(
    {
      method: 'delete',
      path: '/users/:id',
      summary:
        "Delete a user: their home moves to <storageRoot>/.nasd/retired-homes/, files they own in shares go to each share's owner; 409 while they own shares unless transferSharesTo=<userId>",
      auth: 'admin',
      params: numericId,
      query: deleteUserQuery,
      status: 204,
    },
    async (_ctx, { params, query, actor }) => {
      await accounts.remove(params.id, actor, { transferSharesTo: query.transferSharesTo });
    },
  );

  router.route(
    { method: 'post', path: '/users/:id/password', summary: "Reset a user's password (ends all their sessions and revokes their app passwords)", auth: 'admin', params: numericId, body: resetPasswordBody, status: 204 },
    async (_ctx, { params, body, actor }) => {
      await identity.users.setPassword(params.id, body.password, { ...actor, action: 'user.password.reset' });
    },
  );

  router.route({ method: 'delete', path: '/users/:id/totp', summary: "Turn off a user's 2FA (lost device)", auth: 'admin', params: numericId, status: 204 }, async (_ctx, { params, actor }) => {
    await identity.twoFactor.disable(params.id, { ...actor, action: 'user.totp.reset' });
  });
}
