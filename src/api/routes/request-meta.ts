import type { AuditContext } from '../../services/identity/index.js';
import type { ApiContext, ApiPrincipal } from '../context.js';

/** The audit context of an API request: the caller (if any), their address and user agent. */
export function auditContext(ctx: ApiContext, principal?: ApiPrincipal): AuditContext {
  return {
    actor: principal ? { id: principal.userId, name: principal.username } : null,
    address: ctx.ip || undefined,
    userAgent: ctx.get('User-Agent') || undefined,
    protocol: 'api',
  };
}
