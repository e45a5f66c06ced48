import type { AuditLog } from '../../audit/index.js';
import { RateLimitedError } from '../../lib/errors.js';
import type { AttemptKeys, LoginThrottle } from './throttle.js';
import type { AuditContext } from './types.js';
import { auditBase } from './users.js';

/** One credential check: what it is (audit action), whose account and from where. */
export interface Attempt {
  /** Audit action, e.g. `auth.login`, `auth.basic`, `auth.reauth`. */
  action: string;
  /** Account name as presented (also the audit target). */
  account: string;
  ctx: AuditContext;
}

function keysOf(attempt: Attempt): AttemptKeys {
  return { account: attempt.account, address: attempt.ctx.address };
}

/**
 * Every password, TOTP or app-password check goes through here: refused early while the account
 * or address is throttled, each failure counted and audited, success clears the account counter.
 */
export class CredentialGuard {
  /**
   * Failed checks counted by this process so far. BasicAuth's short trust window compares it so
   * that a throttle reached through this process applies at once, even to a cached credential.
   */
  localFailures = 0;

  constructor(
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
  ) {}

  /** Throws RateLimitedError (audited) when the account or address has too many recent failures. */
  async assertAllowed(attempt: Attempt): Promise<void> {
    try {
      await this.throttle.assertAllowed(keysOf(attempt));
    } catch (err) {
      if (err instanceof RateLimitedError) {
        await this.audit.record({ ...auditBase(attempt.ctx), action: attempt.action, outcome: 'failure', target: attempt.account, details: { reason: 'rate_limited' } });
      }
      throw err;
    }
  }

  /** Counts and audits one failed check. */
  async failed(attempt: Attempt, reason: string): Promise<void> {
    this.localFailures++;
    await this.throttle.recordFailure(keysOf(attempt));
    await this.audit.record({ ...auditBase(attempt.ctx), action: attempt.action, outcome: 'failure', target: attempt.account, details: { reason } });
  }

  /** Clears the account's failure counter and audits the success. */
  async succeeded(attempt: Attempt, details?: Record<string, unknown>): Promise<void> {
    await this.throttle.resetAccount(attempt.account);
    await this.audit.record({ ...auditBase(attempt.ctx), action: attempt.action, outcome: 'success', target: attempt.account, ...(details ? { details } : {}) });
  }
}
