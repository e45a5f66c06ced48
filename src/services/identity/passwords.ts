import crypto from 'node:crypto';
import bcrypt from 'bcrypt';
import { ValidationError } from '../../lib/errors.js';
import { HashGate, type HashGateStats } from './hash-gate.js';

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt only reads the first 72 bytes; longer inputs would silently be truncated. */
export const MAX_PASSWORD_BYTES = 72;

/** Throws VALIDATION unless `password` meets the policy (8+ characters, at most 72 bytes). */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`${field} must be at least ${MIN_PASSWORD_LENGTH} characters long`, { details: { fields: [{ field }] } });
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new ValidationError(`${field} must be at most ${MAX_PASSWORD_BYTES} bytes long`, { details: { fields: [{ field }] } });
  }
}

export interface HasherLimits {
  /** bcrypt jobs at once (each holds one libuv pool thread, which file I/O shares). */
  concurrency: number;
  /** Checks that may wait per lane before more are refused with 429. */
  queueLength: number;
}

/** Hasher counters: the gate's plus how many checks joined an identical one in flight. */
export interface HasherStats extends HashGateStats {
  merged: number;
}

/** How urgent a check is: `priority` for a known address or an authenticated caller. */
export interface CheckOptions {
  priority?: boolean;
}

/**
 * bcrypt at the configured cost (12 in production, 4 in tests), bounded by a HashGate. Identical
 * checks in flight (same stored hash, same candidate) share one bcrypt run; they are matched by an
 * HMAC under a per-process random key, so the map never holds a clear password.
 */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;
  private readonly gate: HashGate;
  private readonly flightKey = crypto.randomBytes(32);
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private merged = 0;

  constructor(
    private readonly cost: number,
    limits: HasherLimits = { concurrency: 2, queueLength: 64 },
  ) {
    this.gate = new HashGate(limits.concurrency, limits.queueLength);
  }

  /** Admits one whole credential check (see HashGate.admit); RateLimitedError when its lane is full. */
  admit(priority: boolean): () => void {
    return this.gate.admit(priority);
  }

  /** Hashes a new password (an authenticated change: priority lane). */
  hash(password: string): Promise<string> {
    return this.gate.run(() => bcrypt.hash(password, this.cost), true);
  }

  /** Whether `password` matches `hash`; RateLimitedError when too many checks are waiting. */
  verify(password: string, hash: string, options: CheckOptions = {}): Promise<boolean> {
    const key = crypto.createHmac('sha256', this.flightKey).update(hash).update('\0').update(password).digest('base64url');
    const pending = this.inFlight.get(key);
    if (pending) {
      this.merged++;
      return pending;
    }
    const check = this.gate.run(() => bcrypt.compare(password, hash), options.priority ?? false).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, check);
    return check;
  }

  /**
   * Spends the time of one verification against a throwaway hash, so an unknown username takes
   * as long to refuse as a wrong password (no user enumeration by timing).
   */
  async burn(password: string, options: CheckOptions = {}): Promise<void> {
    this.dummy ??= bcrypt.hash('nasd-dummy-password', this.cost);
    await this.verify(password, await this.dummy, options);
  }

  stats(): HasherStats {
    return { ...this.gate.stats(), merged: this.merged };
  }
}
