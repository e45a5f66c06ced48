import type { Knex } from 'knex';
import { RateLimitedError } from '../../lib/errors.js';

export interface ThrottleLimits {
  /** Failures of one account from one address per window. */
  maxFailuresPerAccountAddress: number;
  /** Failures from one address, all accounts together, per window (not applied to an account's known addresses). */
  maxFailuresPerAddress: number;
  /** Failures of one account from everywhere per window (not applied from its known addresses). */
  maxFailuresPerAccount: number;
  windowSeconds: number;
  /** How long a successful login makes its address "known" for that account. */
  knownAddressSeconds: number;
}

/** The keys one credential check is counted under. */
export interface AttemptKeys {
  /** Username as typed (lowercased), whether or not it exists: no enumeration by throttle behaviour. */
  account: string;
  address?: string;
}

/** A counted attempt: settle it with `forgive` (success), keep it (failure) or `release` it (never checked). */
export interface Reservation {
  readonly attempt: AttemptKeys;
  /** The account has logged in from this address recently (its checks get priority and skip the wide limits). */
  readonly known: boolean;
  /** The counters this attempt was added to. */
  readonly counted: string[];
  /**
   * Counters this attempt filled to their limit: the next attempt under them is refused. A counter
   * fills once per window (refused attempts are not counted), so this marks the moment a lock starts.
   */
  readonly filled: ThrottleScope[];
}

/** What a counter limits: one account from one address, one account, or one address. */
export type ThrottleScope = 'pair' | 'account' | 'address';

interface Row {
  key: string;
  failures: number;
  window_ends_at: number;
}

const MAX_RETRIES = 5;

function scopeOf(key: string): ThrottleScope {
  return key.slice(0, key.indexOf(':')) as ThrottleScope;
}

/**
 * Failed-login throttle with its state in the database (table `auth_throttle`), so every nasd
 * process on one database shares the counters. An attempt is counted BEFORE its credential is
 * checked, inside one transaction that locks the counters (PostgreSQL `FOR UPDATE`; SQLite's
 * single writer), so N concurrent attempts are limited exactly like N sequential ones.
 *
 * Counters (fixed windows of `windowSeconds`, opened by the first attempt):
 * - `pair:<account>|<address>`: one account from one address; always applied;
 * - `address:<address>`: one address over all accounts;
 * - `account:<account>`: one account from all addresses.
 * The last two are not applied from an address where the account logged in successfully within
 * `knownAddressSeconds` (row `known:<account>|<address>`): an attack from elsewhere slows the
 * account down for new addresses without locking its owner out of their usual one. A success
 * forgives that pair's failures in all three counters (not other addresses' failures).
 */
export class LoginThrottle {
  constructor(
    private readonly knex: Knex,
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the attempt, or throws RateLimitedError (seconds until the blocking window ends) without counting it. */
  async reserve(attempt: AttemptKeys): Promise<Reservation> {
    const keys = this.keys(attempt);
    return this.retrying(() =>
      this.knex.transaction(async (trx) => {
        const now = this.now();
        // Rows must exist to be locked; sorted, so concurrent transactions take them in one order.
        const counted = keys.counters.map((c) => c.key);
        await trx.raw(
          `insert into auth_throttle ("key", failures, window_ends_at) values ${counted.map(() => '(?, 0, 0)').join(', ')} on conflict ("key") do nothing`,
          counted,
        );
        const rows = await this.lockedRows(trx, [...counted, keys.known]);
        const known = this.isKnown(rows, keys.known, now);
        this.assertUnder(rows, keys.counters, known, now);
        const filled: ThrottleScope[] = [];
        for (const { key, max } of keys.counters) {
          const row = rows.get(key);
          const open = row !== undefined && row.window_ends_at > now;
          const failures = open ? row.failures + 1 : 1;
          if (failures === max) filled.push(scopeOf(key));
          await trx('auth_throttle')
            .where({ key })
            .update({ failures, window_ends_at: open ? row.window_ends_at : now + this.limits.windowSeconds * 1000 });
        }
        return { attempt, known, counted, filled };
      }),
    );
  }

  /** Refuses (RateLimitedError) when a new attempt would be; counts nothing (for credentials already known right). */
  async assertAllowed(attempt: AttemptKeys): Promise<void> {
    const keys = this.keys(attempt);
    const now = this.now();
    const rows = await this.rows(this.knex, [...keys.counters.map((c) => c.key), keys.known]);
    this.assertUnder(rows, keys.counters, this.isKnown(rows, keys.known, now), now);
  }

  /** Takes a reservation back (the credential was never checked, e.g. the server was too busy). */
  async release(reservation: Reservation): Promise<void> {
    await this.retrying(() =>
      this.knex.transaction(async (trx) => {
        const rows = await this.lockedRows(trx, reservation.counted);
        for (const key of reservation.counted) await this.subtract(trx, rows.get(key), 1);
      }),
    );
  }

  /**
   * A successful check: forgives this account's failures from this address (the pair counter goes,
   * the address and account counters lose as many) and marks the address known for the account.
   */
  async forgive(reservation: Reservation): Promise<void> {
    const keys = this.keys(reservation.attempt);
    await this.retrying(() =>
      this.knex.transaction(async (trx) => {
        const now = this.now();
        const counted = keys.counters.map((c) => c.key);
        const rows = await this.lockedRows(trx, counted);
        const pair = rows.get(keys.pair);
        const forgiven = pair && pair.window_ends_at > now ? pair.failures : 1;
        for (const key of counted) if (key !== keys.pair) await this.subtract(trx, rows.get(key), forgiven);
        await trx('auth_throttle').where({ key: keys.pair }).delete();
        if (reservation.attempt.address) {
          const knownUntil = now + this.limits.knownAddressSeconds * 1000;
          await trx.raw(
            `insert into auth_throttle ("key", failures, window_ends_at) values (?, 0, ?)
             on conflict ("key") do update set window_ends_at = excluded.window_ends_at`,
            [keys.known, knownUntil],
          );
        }
      }),
    );
  }

  /** Deletes ended windows and expired known addresses; returns how many went. */
  async prune(): Promise<number> {
    return this.knex('auth_throttle').where('window_ends_at', '<=', this.now()).delete();
  }

  private keys(attempt: AttemptKeys) {
    const account = attempt.account.toLowerCase().slice(0, 90);
    const address = (attempt.address ?? '').slice(0, 90);
    const pair = `pair:${account}|${address}`;
    const counters: Array<{ key: string; max: number; wide: boolean }> = [
      { key: pair, max: this.limits.maxFailuresPerAccountAddress, wide: false },
      { key: `account:${account}`, max: this.limits.maxFailuresPerAccount, wide: true },
    ];
    if (address) counters.push({ key: `address:${address}`, max: this.limits.maxFailuresPerAddress, wide: true });
    counters.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Without an address nothing is known: `known:` rows are only ever written with one.
    return { pair, counters, known: `known:${account}|${address}` };
  }

  private isKnown(rows: Map<string, Row>, knownKey: string, now: number): boolean {
    const row = rows.get(knownKey);
    return row !== undefined && row.window_ends_at > now;
  }

  private assertUnder(rows: Map<string, Row>, counters: Array<{ key: string; max: number; wide: boolean }>, known: boolean, now: number): void {
    let retryAfterMs = 0;
    for (const { key, max, wide } of counters) {
      if (wide && known) continue;
      const row = rows.get(key);
      if (row && row.window_ends_at > now && row.failures >= max) retryAfterMs = Math.max(retryAfterMs, row.window_ends_at - now);
    }
    if (retryAfterMs > 0) {
      throw new RateLimitedError('too many failed login attempts; try again later', Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
  }

  private async subtract(trx: Knex.Transaction, row: Row | undefined, by: number): Promise<void> {
    if (!row || row.window_ends_at <= this.now()) return;
    await trx('auth_throttle').where({ key: row.key }).update({ failures: Math.max(0, row.failures - by) });
  }

  private async rows(q: Knex | Knex.Transaction, keys: string[]): Promise<Map<string, Row>> {
    const rows: Row[] = await q('auth_throttle').whereIn('key', keys).orderBy('key');
    return new Map(rows.map((r) => [r.key, { key: r.key, failures: Number(r.failures), window_ends_at: Number(r.window_ends_at) }]));
  }

  /** The rows, locked until the transaction ends (SQLite: its one writer already excludes others). */
  private async lockedRows(trx: Knex.Transaction, keys: string[]): Promise<Map<string, Row>> {
    const query = trx('auth_throttle').whereIn('key', keys).orderBy('key');
    if (trx.client.config.client === 'pg') query.forUpdate();
    const rows: Row[] = await query;
    return new Map(rows.map((r) => [r.key, { key: r.key, failures: Number(r.failures), window_ends_at: Number(r.window_ends_at) }]));
  }

  /** PostgreSQL may pick one of two lock-waiting transactions as a deadlock victim; run it again. */
  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= MAX_RETRIES || (code !== '40P01' && code !== '40001' && code !== 'SQLITE_BUSY')) throw err;
      }
    }
  }
}
