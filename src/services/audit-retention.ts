import type { AuditLog } from '../audit/index.js';
import type { Logger } from '../lib/log.js';

/**
 * The audit-retention job for the scheduler: deletes audit entries older than `retentionDays`
 * (config.audit.retentionDays) and reports how many went.
 */
export function auditRetentionJob(audit: AuditLog, retentionDays: number, logger: Logger): () => Promise<{ deleted: number }> {
  return async () => {
    const deleted = await audit.prune(retentionDays);
    logger.info({ deleted, retentionDays }, 'audit log pruned');
    return { deleted };
  };
}
