import { Readable } from 'node:stream';
import { auditedBy, type AuditEntry, type AuditFilter, type AuditLog } from '../../audit/index.js';
import { csvRow } from '../../lib/csv.js';
import { ValidationError } from '../../lib/errors.js';
import type { ApiRouter } from '../api-router.js';
import { auditFilter, auditPage, auditQuery } from '../schemas/identity.js';

/** A bigger export would hold a request (and the database) for long; narrowing the dates splits it. */
export const MAX_AUDIT_EXPORT_ROWS = 100_000;

const CSV_HEADER = ['id', 'time', 'user', 'action', 'target', 'outcome', 'protocol', 'address', 'details'];

function csvLine(e: AuditEntry): string {
  return csvRow([e.id, new Date(e.at).toISOString(), e.actorName, e.action, e.target, e.outcome, e.protocol, e.address, e.details ? JSON.stringify(e.details) : null]);
}

async function* csvLines(audit: AuditLog, filter: AuditFilter, maxId: number): AsyncGenerator<string> {
  yield csvRow(CSV_HEADER);
  for await (const entry of audit.each(filter, maxId)) yield csvLine(entry);
}

/**
 * /api/audit: the audit log for administrators, newest first, filtered and paginated; and
 * /api/audit.csv: every entry matching the same filters as CSV (the export itself is audited).
 */
export function auditRoutes(router: ApiRouter, audit: AuditLog): void {
  router.route(
    {
      method: 'get',
      path: '/audit',
      summary: 'Audit log (filters: actor, action prefix, outcome, protocol, from/to epoch ms; limit ≤ 500, offset)',
      auth: 'admin',
      query: auditQuery,
      response: auditPage,
    },
    async (_ctx, { query }) => {
      const page = await audit.list(query);
      return { ...page, limit: query.limit, offset: query.offset };
    },
  );

  router.route(
    {
      method: 'get',
      path: '/audit.csv',
      summary: `Every audit entry matching the filters of /audit, as CSV (at most ${MAX_AUDIT_EXPORT_ROWS} rows; cells that a spreadsheet would run as a formula start with ')`,
      auth: 'admin',
      query: auditFilter,
      produces: 'text/csv',
    },
    async (ctx, { query, actor }) => {
      const maxId = await audit.newestId();
      const rows = await audit.count(query, maxId);
      if (rows > MAX_AUDIT_EXPORT_ROWS) {
        throw new ValidationError(`the filters match ${rows} entries; an export holds at most ${MAX_AUDIT_EXPORT_ROWS}: narrow the date range`);
      }
      await audit.record({
        ...auditedBy(actor),
        action: 'audit.export',
        outcome: 'success',
        details: { ...query, rows },
      });
      ctx.status = 200;
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', `attachment; filename="nasd-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = Readable.from(csvLines(audit, query, maxId));
    },
  );
}
