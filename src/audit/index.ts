export { AuditLog, type AuditEvent, type AuditEntry, type AuditQuery, type AuditActor, type AuditOutcome, type AuditProtocol } from './audit-log.js';
