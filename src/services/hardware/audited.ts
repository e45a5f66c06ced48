import type { AuditLog } from '../../audit/index.js';

/** Who asks for a hardware action: the admin and where they came from (`userId` null for scheduled jobs). */
export interface HardwareActor {
  userId: number | null;
  username: string;
  address?: string | null;
}

/**
 * Runs a hardware action and writes its outcome to the audit log: `success`, or `failure` with
 * the error's message (a refusal is as interesting to an auditor as the action). The action's
 * own error is rethrown unchanged.
 */
export async function audited<T>(
  audit: AuditLog,
  actor: HardwareActor,
  action: string,
  target: string,
  details: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  const base = { action, actor: { id: actor.userId, name: actor.username }, target, address: actor.address ?? null, protocol: 'api' as const };
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
