import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { UserModel } from '../../db/models/index.js';
import { AuthError } from '../../lib/errors.js';
import type { Principal } from '../../vfs/index.js';
import { looksLikeAppPassword, type AppPasswords } from './app-passwords.js';
import type { CredentialGuard } from './guard.js';
import type { PasswordHasher } from './passwords.js';

/**
 * The check WebDAV and SMB code against: a username and a password (the account password while
 * 2FA is off, or any active app password) → the principal, or AuthError(UNAUTHENTICATED) /
 * RateLimitedError.
 */
export type BasicAuthVerifier = (username: string, password: string, meta: { address?: string; protocol: 'webdav' | 'smb' }) => Promise<Principal>;

interface CacheEntry {
  userId: number;
  /** users.updated_at when verified: any credential change moves it and ends the entry. */
  generation: number;
  expiresAt: number;
  principal: Principal;
  /** When the database last confirmed the entry (same generation, enabled, not throttled). */
  checkedAt: number;
  /** UserModel.localWrites and CredentialGuard.localFailures just before that confirmation. */
  userWrites: number;
  failures: number;
}

const MAX_CACHE_ENTRIES = 10_000;

/**
 * How long a confirmed entry is trusted without asking the database again. Short on purpose:
 * several nasd processes may share one database, and a password change, disable, app-password
 * revocation or throttle made through another process must end access within this time. Changes
 * made through this process end it at once (see CacheEntry.userWrites).
 */
export const BASIC_TRUST_MS = 1000;

/**
 * Basic-auth verification with a short cache so bcrypt does not run on every WebDAV request. The
 * cache is keyed by an HMAC of (username, password) under a per-process random key (the password
 * itself is never held). A hit is re-checked against the throttle and the user's current
 * generation (`updated_at`) in the database, except within BASIC_TRUST_MS of the last such check
 * when this process has changed no user and counted no failed login since: a password change,
 * disable, 2FA change or app-password revocation ends a cached credential at once when made
 * through this process and within BASIC_TRUST_MS when made through another.
 */
export class BasicAuth {
  private readonly cacheKey = crypto.randomBytes(32);
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly knex: Knex,
    private readonly hasher: PasswordHasher,
    private readonly guard: CredentialGuard,
    private readonly appPasswords: AppPasswords,
    private readonly cacheSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  readonly verify: BasicAuthVerifier = async (username, password, meta) => {
    const account = username.trim().toLowerCase();
    const ctx = { actor: null, address: meta.address, protocol: meta.protocol };
    const attempt = { action: 'auth.basic', account, ctx };
    const key = crypto.createHmac('sha256', this.cacheKey).update(account).update('\0').update(password).digest('base64url');
    const cached = this.cache.get(key);
    if (cached && this.trusted(cached)) return { ...cached.principal };

    const userWrites = UserModel.localWrites;
    const failures = this.guard.localFailures;
    await this.guard.assertAllowed(attempt);
    if (cached && cached.expiresAt > this.now()) {
      const user = await UserModel.query(this.knex).findById(cached.userId);
      if (user && !user.disabled && user.updatedAt === cached.generation) {
        Object.assign(cached, { principal: principalOf(user), checkedAt: this.now(), userWrites, failures });
        return principalOf(user);
      }
    }
    this.cache.delete(key);

    const user = await UserModel.query(this.knex).findOne({ username: account });
    if (!user) {
      await this.hasher.burn(password);
      return this.refuse(attempt, 'unknown_user');
    }
    let via: 'app_password' | 'password' | undefined;
    let appPasswordId: number | undefined;
    if (looksLikeAppPassword(password)) {
      const match = await this.appPasswords.match(user.id, password, meta.address);
      if (match) {
        via = 'app_password';
        appPasswordId = match.id;
      }
    }
    if (!via && (await this.hasher.verify(password, user.passwordHash))) {
      if (user.totpEnabled) return this.refuse(attempt, 'totp_enabled_needs_app_password');
      via = 'password';
    }
    if (!via) return this.refuse(attempt, 'bad_password');
    if (user.disabled) return this.refuse(attempt, 'disabled');

    await this.guard.succeeded({ ...attempt, ctx: { ...ctx, actor: { id: user.id, name: user.username } } }, { via, ...(appPasswordId ? { appPasswordId } : {}) });
    const now = this.now();
    this.remember(key, { userId: user.id, generation: user.updatedAt, expiresAt: now + this.cacheSeconds * 1000, principal: principalOf(user), checkedAt: now, userWrites, failures });
    return principalOf(user);
  };

  /** A live entry confirmed by the database moments ago, with no local user change or failure since. */
  private trusted(entry: CacheEntry): boolean {
    const now = this.now();
    return (
      entry.expiresAt > now &&
      now - entry.checkedAt < BASIC_TRUST_MS &&
      entry.userWrites === UserModel.localWrites &&
      entry.failures === this.guard.localFailures
    );
  }

  private async refuse(attempt: Parameters<CredentialGuard['failed']>[0], reason: string): Promise<never> {
    await this.guard.failed(attempt, reason);
    throw new AuthError('UNAUTHENTICATED', 'invalid username or password');
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

function principalOf(user: UserModel): Principal {
  return { userId: user.id, username: user.username, isAdmin: user.role === 'admin' };
}
