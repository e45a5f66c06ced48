import type { RequestActor } from '../lib/request-actor.js';
import type { AuditEvent, AuditLog } from './audit-log.js';

/**
 * The who and where of an audit event for a request's actor: the principal (or the operator that
 * acts without one, or nobody), the client's address and the protocol. Every event recorded for a
 * caller starts from this.
 */
export function auditedBy(actor: RequestActor): Required<Pick<AuditEvent, 'actor' | 'address' | 'protocol'>> {
  const who = actor.principal ? { id: actor.principal.userId, name: actor.principal.username } : actor.operator ? { id: null, name: actor.operator } : null;
  return { actor: who, address: actor.address ?? null, protocol: actor.protocol };
}

/**
 * Runs an action and writes its outcome to the audit log: `success`, or `failure` with the
 * error's message (a refusal is as interesting to an auditor as the action). The action's own
 * error is rethrown unchanged.
 */
export async function audited<T>(
  audit: AuditLog,
  actor: RequestActor,
  action: string,
  target: string,
  details: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  const base = { ...auditedBy(actor), action, target };
  let result: T;
  try {
    result = await run();
  } catch (err) {
    await audit.record({ ...base, outcome: 'failure', details: { ...details, error: (err as Error).message } });
    throw err;
  }
  await audit.record({ ...base, outcome: 'success', details });
  return result;
}
