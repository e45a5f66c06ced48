import type { AuditLog } from '../../audit/index.js';
import { RateLimitedError } from '../../lib/errors.js';
import type { AttemptKeys, LoginThrottle, Reservation } from './throttle.js';
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

/** A counted credential check in progress; settle it exactly once. */
export interface CheckTicket {
  /** The account has logged in from this address recently: its hashing goes first. */
  readonly known: boolean;
  /** The credential was wrong (the reservation stays counted); audited. */
  failed(reason: string, ctx?: AuditContext): Promise<void>;
  /** The credential was right: forgives this account's failures from this address; audited. */
  succeeded(details?: Record<string, unknown>, ctx?: AuditContext): Promise<void>;
  /** The credential was never checked (server busy, internal error): the attempt is not counted. */
  cancel(): Promise<void>;
}

/**
 * Every password, TOTP or app-password check goes through here: counted by the throttle before the
 * check (refused early while the account or address is throttled), each outcome audited.
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

  /** Counts the attempt before its check; throws RateLimitedError (audited) when throttled. */
  async begin(attempt: Attempt): Promise<CheckTicket> {
    const reservation = await this.refusingAudited(attempt, () => this.throttle.reserve(keysOf(attempt)));
    return this.ticket(attempt, reservation);
  }

  /** For a credential already known to be right (cache): refused while throttled, nothing counted. */
  async assertAllowed(attempt: Attempt): Promise<void> {
    await this.refusingAudited(attempt, () => this.throttle.assertAllowed(keysOf(attempt)));
  }

  private ticket(attempt: Attempt, reservation: Reservation): CheckTicket {
    let settled = false;
    const settle = () => {
      if (settled) throw new Error('a credential check was settled twice');
      settled = true;
    };
    const record = (outcome: 'success' | 'failure', ctx: AuditContext, details?: Record<string, unknown>) =>
      this.audit.record({ ...auditBase(ctx), action: attempt.action, outcome, target: attempt.account, ...(details ? { details } : {}) });
    return {
      known: reservation.known,
      failed: async (reason, ctx = attempt.ctx) => {
        settle();
        this.localFailures++;
        await record('failure', ctx, { reason });
      },
      succeeded: async (details, ctx = attempt.ctx) => {
        settle();
        await this.throttle.forgive(reservation);
        await record('success', ctx, details);
      },
      cancel: async () => {
        settle();
        await this.throttle.release(reservation);
      },
    };
  }

  private async refusingAudited<T>(attempt: Attempt, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof RateLimitedError) {
        await this.audit.record({ ...auditBase(attempt.ctx), action: attempt.action, outcome: 'failure', target: attempt.account, details: { reason: 'rate_limited' } });
      }
      throw err;
    }
  }
}

/**
 * Runs `check` under a ticket: any error it throws (the hasher shedding load, a database error)
 * cancels the ticket, so an attempt that was never judged is not counted as a failure.
 */
export async function judged<T>(ticket: CheckTicket, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    await ticket.cancel().catch(() => undefined);
    throw err;
  }
}
