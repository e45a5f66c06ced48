export { AuditLog, type AuditEvent, type AuditEntry, type AuditQuery, type AuditActor, type AuditOutcome, type AuditProtocol, type AuditObserver } from './audit-log.js';
