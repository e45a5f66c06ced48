import type { AuditLog } from '../../audit/index.js';
import type { ApiRouter } from '../api-router.js';
import { auditPage, auditQuery } from '../schemas/identity.js';

/** /api/audit: the audit log for administrators, newest first, filtered and paginated. */
export function auditRoutes(router: ApiRouter, audit: AuditLog): void {
  router.route(
    {
      method: 'get',
      path: '/audit',
      summary: 'Audit log (filters: actor, action prefix, outcome, from/to epoch ms; limit ≤ 500, offset)',
      auth: 'admin',
      query: auditQuery,
      response: auditPage,
    },
    async (_ctx, { query }) => {
      const page = await audit.list(query);
      return { ...page, limit: query.limit, offset: query.offset };
    },
  );
}
