import crypto from 'node:crypto';
import { auditedBy, type AuditLog } from '../../audit/index.js';
import { RateLimitedError } from '../../lib/errors.js';
import type { RequestActor } from '../../lib/request-actor.js';
import type { PasswordHasher } from './passwords.js';
import type { AttemptKeys, LoginThrottle, Reservation } from './throttle.js';
import type { TrustEpoch } from './trust-epoch.js';

/** One credential check: what it is (audit action), whose account and from where. */
export interface Attempt {
  /** Audit action, e.g. `auth.login`, `auth.basic`, `auth.reauth`. */
  action: string;
  /** Account name as presented (also the audit target). */
  account: string;
  /** Who presents it: audited, and their address is throttled. */
  actor: RequestActor;
}

function keysOf(attempt: Attempt): AttemptKeys {
  return { account: attempt.account, address: attempt.actor.address };
}

const MAX_KNOWN_HINTS = 10_000;
/** How long this process remembers a successful (account, address) as a priority hint. */
const KNOWN_HINT_MS = 24 * 3600 * 1000;

/** A counted credential check in progress; settle it exactly once. */
export interface CheckTicket {
  /** The account has logged in from this address recently: its hashing goes first. */
  readonly known: boolean;
  /** The credential was wrong (the reservation stays counted); audited. */
  failed(reason: string, actor?: RequestActor): Promise<void>;
  /** The credential was right: forgives this account's failures from this address; audited. */
  succeeded(details?: Record<string, unknown>, actor?: RequestActor): Promise<void>;
  /** The credential was never checked (server busy, internal error): the attempt is not counted. */
  cancel(): Promise<void>;
}

/**
 * Every password, TOTP or app-password check goes through here: counted by the throttle before the
 * check (refused early while the account or address is throttled), each outcome audited.
 */
export class CredentialGuard {
  /**
   * (account, address) pairs that logged in through this process recently, keyed by an HMAC: a
   * hint that lets their checks into the priority lane before the database is asked (the
   * throttle's `known` rows stay the authority).
   */
  private readonly knownHint = new Map<string, number>();
  private readonly hintKey = crypto.randomBytes(32);

  constructor(
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    private readonly hasher: PasswordHasher,
    private readonly now: () => number = Date.now,
    /** Advanced on every failed check: a throttle it starts applies at once, even to cached credentials. */
    private readonly trust: TrustEpoch,
  ) {}

  /**
   * Admits the check (RateLimitedError at once when too many are in progress), then counts the
   * attempt before its check; throws RateLimitedError (audited) when throttled.
   */
  async begin(attempt: Attempt): Promise<CheckTicket> {
    const hint = this.hintOf(attempt);
    const hinted = (this.knownHint.get(hint) ?? 0) > this.now();
    // Load shedding is not audited: a flood must not turn into as many database writes.
    const leave = this.hasher.admit(hinted);
    try {
      const reservation = await this.refusingAudited(attempt, () => this.throttle.reserve(keysOf(attempt)));
      return this.ticket(attempt, reservation, hinted, hint, leave);
    } catch (err) {
      leave();
      throw err;
    }
  }

  /** For a credential already known to be right (cache): refused while throttled, nothing counted. */
  async assertAllowed(attempt: Attempt): Promise<void> {
    await this.refusingAudited(attempt, () => this.throttle.assertAllowed(keysOf(attempt)));
  }

  private ticket(attempt: Attempt, reservation: Reservation, hinted: boolean, hint: string, leave: () => void): CheckTicket {
    let settled = false;
    const settle = () => {
      if (settled) throw new Error('a credential check was settled twice');
      settled = true;
      leave();
    };
    const record = (outcome: 'success' | 'failure', actor: RequestActor, details?: Record<string, unknown>) =>
      this.audit.record({ ...auditedBy(actor), action: attempt.action, outcome, target: attempt.account, ...(details ? { details } : {}) });
    return {
      known: reservation.known || hinted,
      failed: async (reason, actor = attempt.actor) => {
        settle();
        this.trust.advance();
        await record('failure', actor, { reason });
        // Audited once when a lock starts, not for each refused attempt after it.
        if (reservation.filled.length > 0) {
          await this.audit.record({ ...auditedBy(actor), action: 'auth.throttle', outcome: 'failure', target: attempt.account, details: { scopes: reservation.filled, via: attempt.action } });
        }
      },
      succeeded: async (details, actor = attempt.actor) => {
        settle();
        await this.throttle.forgive(reservation);
        if (attempt.actor.address) this.rememberKnown(hint);
        await record('success', actor, details);
      },
      cancel: async () => {
        settle();
        await this.throttle.release(reservation);
      },
    };
  }

  private hintOf(attempt: Attempt): string {
    return crypto.createHmac('sha256', this.hintKey).update(attempt.account.toLowerCase()).update('\0').update(attempt.actor.address ?? '').digest('base64url');
  }

  private rememberKnown(hint: string): void {
    if (this.knownHint.size >= MAX_KNOWN_HINTS) {
      const now = this.now();
      for (const [k, until] of this.knownHint) if (until <= now) this.knownHint.delete(k);
      if (this.knownHint.size >= MAX_KNOWN_HINTS) this.knownHint.delete(this.knownHint.keys().next().value as string);
    }
    this.knownHint.delete(hint);
    this.knownHint.set(hint, this.now() + KNOWN_HINT_MS);
  }

  private async refusingAudited<T>(attempt: Attempt, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof RateLimitedError) {
        await this.audit.record({ ...auditedBy(attempt.actor), action: attempt.action, outcome: 'failure', target: attempt.account, details: { reason: 'rate_limited' } });
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
