import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import type { ShareService, VfsService } from '../../vfs/index.js';
import type { ApiRouter } from '../api-router.js';
import { aclBody, aclView, createShareBody, deleteShareQuery, shareId, shareView, updateShareBody, usageView } from '../schemas/shares.js';

/** /api/shares: everybody lists the shares they can see; administrators create, change, delete and set ACLs. */
export function sharesRoutes(router: ApiRouter, shares: ShareService): void {
  router.route({ method: 'get', path: '/', summary: 'Shares the caller can see, with usage', auth: 'user', response: z.object({ items: z.array(shareView) }) }, async (_ctx, { principal }) => ({
    items: await shares.list(principal),
  }));

  router.route({ method: 'post', path: '/', summary: 'Create a share (and its folder)', auth: 'admin', body: createShareBody, response: shareView, status: 201 }, (_ctx, { body, actor }) =>
    shares.create(actor, body),
  );

  router.route({ method: 'get', path: '/:id', summary: 'One share', auth: 'user', params: shareId, response: shareView }, (_ctx, { params, principal }) =>
    shares.get(principal, params.id),
  );

  router.route(
    { method: 'patch', path: '/:id', summary: 'Change description, owner, size limit or SMB options', auth: 'admin', params: shareId, body: updateShareBody, response: shareView },
    (_ctx, { params, body, actor }) => shares.update(actor, params.id, body),
  );

  router.route(
    { method: 'delete', path: '/:id', summary: 'Delete a share (refused while it holds files unless deleteData=true)', auth: 'admin', params: shareId, query: deleteShareQuery, status: 204 },
    async (_ctx, { params, query, actor }) => {
      await shares.remove(actor, params.id, query.deleteData === 'true');
    },
  );

  router.route({ method: 'get', path: '/:id/acl', summary: "A share's access list", auth: 'admin', params: shareId, response: aclView }, async (_ctx, { params }) => ({
    items: await shares.acl(params.id),
  }));

  router.route(
    { method: 'put', path: '/:id/acl', summary: "Replace a share's access list (none, read, write, full per user)", auth: 'admin', params: shareId, body: aclBody, response: aclView },
    async (_ctx, { params, body, actor }) => ({ items: await shares.setAcl(actor, params.id, body.entries) }),
  );
}

/** /api/usage: a user's own usage; administrators see everybody's. */
export function usageRoutes(router: ApiRouter, vfs: Pick<VfsService, 'usageReport' | 'usageReports'>): void {
  router.route({ method: 'get', path: '/', summary: "The caller's storage usage and quota", auth: 'user', response: usageView }, async (_ctx, { principal }) => {
    const report = await vfs.usageReport(principal.userId);
    if (!report) throw new AppError('NOT_FOUND', 'your account no longer exists');
    return report;
  });

  router.route({ method: 'get', path: '/users', summary: 'Storage usage of every user', auth: 'admin', response: z.object({ items: z.array(usageView) }) }, async () => ({
    items: await vfs.usageReports(),
  }));
}
