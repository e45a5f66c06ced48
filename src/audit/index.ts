export { AuditLog, type AuditEvent, type AuditEntry, type AuditQuery, type AuditActor, type AuditOutcome, type AuditObserver, type AuditFilter } from './audit-log.js';
export { audited, auditedBy } from './audited.js';
