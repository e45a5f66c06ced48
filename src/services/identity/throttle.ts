import type { Knex } from 'knex';
import { RateLimitedError } from '../../lib/errors.js';

export interface ThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/** The keys one login attempt is counted under. */
export interface AttemptKeys {
  /** Username as typed (lowercased), whether or not it exists: no enumeration by throttle behaviour. */
  account: string;
  address?: string;
}

/**
 * Failed-login throttle with its state in the database (table `auth_throttle`), so every nasd
 * process behind a proxy sees the same counters. Fixed windows: the first failure opens a window of
 * `windowSeconds`; once a key reaches its limit inside the window, attempts are refused until it ends.
 * rate-limiter-flexible was not used: its knex stores are separate classes per engine, create their
 * own tables outside migrations at construction and, on SQLite, take a raw connection from a
 * one-connection pool.
 */
export class LoginThrottle {
  constructor(
    private readonly knex: Knex,
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(attempt: AttemptKeys): Array<{ key: string; max: number }> {
    const keys = [{ key: `account:${attempt.account.toLowerCase().slice(0, 180)}`, max: this.limits.maxFailuresPerAccount }];
    if (attempt.address) keys.push({ key: `address:${attempt.address.slice(0, 180)}`, max: this.limits.maxFailuresPerAddress });
    return keys;
  }

  /** Throws RateLimitedError (with the seconds until the window ends) when either key is exhausted. */
  async assertAllowed(attempt: AttemptKeys): Promise<void> {
    const keys = this.keys(attempt);
    const now = this.now();
    const rows: Array<{ key: string; failures: number; window_ends_at: number }> = await this.knex('auth_throttle')
      .whereIn('key', keys.map((k) => k.key))
      .where('window_ends_at', '>', now);
    let retryAfterMs = 0;
    for (const row of rows) {
      const max = keys.find((k) => k.key === row.key)?.max ?? Infinity;
      if (Number(row.failures) >= max) retryAfterMs = Math.max(retryAfterMs, Number(row.window_ends_at) - now);
    }
    if (retryAfterMs > 0) {
      throw new RateLimitedError('too many failed login attempts; try again later', Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
  }

  /** Counts one failure under every key of the attempt (atomic upsert, safe across processes). */
  async recordFailure(attempt: AttemptKeys): Promise<void> {
    const now = this.now();
    const windowEnd = now + this.limits.windowSeconds * 1000;
    for (const { key } of this.keys(attempt)) {
      await this.knex.raw(
        `insert into auth_throttle ("key", failures, window_ends_at) values (?, 1, ?)
         on conflict ("key") do update set
           failures = case when auth_throttle.window_ends_at <= ? then 1 else auth_throttle.failures + 1 end,
           window_ends_at = case when auth_throttle.window_ends_at <= ? then ? else auth_throttle.window_ends_at end`,
        [key, windowEnd, now, now, windowEnd],
      );
    }
  }

  /** Forgets the account's failures after a successful login (the address counter keeps running). */
  async resetAccount(account: string): Promise<void> {
    await this.knex('auth_throttle').where('key', this.keys({ account })[0].key).delete();
  }

  /** Deletes windows that have ended; returns how many went. */
  async prune(): Promise<number> {
    return this.knex('auth_throttle').where('window_ends_at', '<=', this.now()).delete();
  }
}
