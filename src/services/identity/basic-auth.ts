import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { AuthError } from '../../lib/errors.js';
import { actingAs, type Principal, type RequestActor } from '../../lib/request-actor.js';
import { looksLikeAppPassword, type AppPasswords } from './app-passwords.js';
import { judged, type CredentialGuard } from './guard.js';
import type { PasswordHasher } from './passwords.js';
import type { TrustEpoch } from './trust-epoch.js';
import { UserRepo, type UserRecord } from './user-repo.js';
import { principalOf } from './users.js';

/**
 * The check WebDAV and SMB code against: a username and a password (the account password while
 * 2FA is off, or any active app password) from `caller` (the request, not yet signed in) → the
 * principal, or AuthError(UNAUTHENTICATED) / RateLimitedError.
 */
export type BasicAuthVerifier = (username: string, password: string, caller: RequestActor<null>) => Promise<Principal>;

interface CacheEntry {
  userId: number;
  /** users.updated_at when verified: any credential change moves it and ends the entry. */
  generation: number;
  expiresAt: number;
  principal: Principal;
  /** When the database last confirmed the entry (same generation, enabled, not throttled). */
  checkedAt: number;
  /** The trust epoch just before that confirmation. */
  epoch: number;
}

const MAX_CACHE_ENTRIES = 10_000;

/**
 * How long a confirmed entry is trusted without asking the database again. Short on purpose:
 * several nasd processes may share one database, and a password change, disable, app-password
 * revocation or throttle made through another process must end access within this time. Changes
 * made through this nasd instance end it at once (TrustEpoch).
 */
export const BASIC_TRUST_MS = 1000;

/**
 * Basic-auth verification with a short cache so bcrypt does not run on every WebDAV request. The
 * cache is keyed by an HMAC of (username, password) under a per-process random key (the password
 * itself is never held). A hit is re-checked against the throttle and the user's current
 * generation (`updated_at`) in the database, except within BASIC_TRUST_MS of the last such check
 * when the trust epoch has not moved since (identity changed no credential and counted no failed
 * login): a password change, disable, 2FA change or app-password revocation ends a cached
 * credential at once when made through this instance and within BASIC_TRUST_MS otherwise.
 */
export class BasicAuth {
  private readonly cacheKey = crypto.randomBytes(32);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly users: UserRepo;

  constructor(
    knex: Knex,
    private readonly hasher: PasswordHasher,
    private readonly guard: CredentialGuard,
    private readonly appPasswords: AppPasswords,
    private readonly trust: TrustEpoch,
    private readonly cacheSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.users = new UserRepo(knex);
  }

  /**
   * Identical checks in flight (same account, password and address) share one verification, so a
   * client opening many connections at once with a cold cache costs one bcrypt and one attempt.
   */
  private readonly inFlight = new Map<string, Promise<Principal>>();

  readonly verify: BasicAuthVerifier = async (username, password, caller) => {
    const account = username.trim().toLowerCase();
    const key = crypto.createHmac('sha256', this.cacheKey).update(account).update('\0').update(password).digest('base64url');
    const cached = this.cache.get(key);
    if (cached && this.trusted(cached)) return { ...cached.principal };
    const flightKey = `${key}|${caller.address ?? ''}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.check(key, account, password, caller).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return { ...(await flight) };
  };

  private async check(key: string, account: string, password: string, caller: RequestActor<null>): Promise<Principal> {
    const attempt = { action: 'auth.basic', account, actor: caller };
    const epoch = this.trust.current;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) {
      // A credential verified before: not a guess, so checked against the throttle without counting.
      await this.guard.assertAllowed(attempt);
      const user = await this.users.byId(cached.userId);
      if (user && !user.disabled && user.updatedAt === cached.generation) {
        Object.assign(cached, { principal: principalOf(user), checkedAt: this.now(), epoch });
        return principalOf(user);
      }
    }
    this.cache.delete(key);

    const ticket = await this.guard.begin(attempt);
    const outcome = await judged(ticket, () => this.checkCredential(account, password, caller.address, ticket.known));
    if (!('user' in outcome)) {
      await ticket.failed(outcome.reason);
      throw new AuthError('UNAUTHENTICATED', 'invalid username or password');
    }
    const { user, via, appPasswordId } = outcome;
    await ticket.succeeded({ via, ...(appPasswordId ? { appPasswordId } : {}) }, actingAs(caller, principalOf(user)));
    const now = this.now();
    this.remember(key, { userId: user.id, generation: user.updatedAt, expiresAt: now + this.cacheSeconds * 1000, principal: principalOf(user), checkedAt: now, epoch });
    return principalOf(user);
  }

  /** The user the credential proves, or why not (every refusal looks the same to the client). */
  private async checkCredential(
    account: string,
    password: string,
    address: string | undefined,
    priority: boolean,
  ): Promise<{ user: UserRecord; via: 'app_password' | 'password'; appPasswordId?: number } | { reason: string }> {
    const user = await this.users.byUsername(account);
    if (!user) {
      await this.hasher.burn(password, { priority });
      return { reason: 'unknown_user' };
    }
    let via: 'app_password' | 'password' | undefined;
    let appPasswordId: number | undefined;
    if (looksLikeAppPassword(password)) {
      const match = await this.appPasswords.match(user.id, password, address, { priority });
      if (match) {
        via = 'app_password';
        appPasswordId = match.id;
      }
    }
    if (!via && (await this.hasher.verify(password, user.passwordHash, { priority }))) {
      if (user.totpEnabled) return { reason: 'totp_enabled_needs_app_password' };
      via = 'password';
    }
    if (!via) return { reason: 'bad_password' };
    if (user.disabled) return { reason: 'disabled' };
    return { user, via, ...(appPasswordId ? { appPasswordId } : {}) };
  }

  /** A live entry confirmed by the database moments ago, with no credential change or failure since. */
  private trusted(entry: CacheEntry): boolean {
    const now = this.now();
    return (
      entry.expiresAt > now &&
      now - entry.checkedAt < BASIC_TRUST_MS &&
      entry.epoch === this.trust.current
    );
  }

  private remember(key: string, entry: CacheEntry): void {
    if (this.cacheSeconds <= 0) return;
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      const now = this.now();
      for (const [k, e] of this.cache) if (e.expiresAt <= now) this.cache.delete(k);
      // Still full: drop the oldest entry (Map keeps insertion order).
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, entry);
  }
}
