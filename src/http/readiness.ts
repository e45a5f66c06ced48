import type { ReadyAnswer } from '../api/routes/health.js';
import { withTimeout } from '../lib/timeout.js';
import { withoutUrlPasswords } from '../lib/url-passwords.js';

/**
 * Readiness of this process. Not ready while it starts (migrating the database, starting services)
 * and once it shuts down; while serving, ready when the database answers a probe within
 * `probeTimeoutMs`. A database that hangs costs each check at most that long: one probe runs at
 * a time and later checks wait for the same one.
 */
export class Readiness {
  private reason: string | null = 'starting';
  private probe?: () => Promise<void>;
  private running?: Promise<void>;

  constructor(private readonly probeTimeoutMs: number) {}

  /** Not ready, for `reason` (a phase such as "migrating the database" or "shutting down"). */
  notReady(reason: string): void {
    this.reason = reason;
  }

  /** Serving: ready whenever `probe` (a database round trip) succeeds in time. */
  serving(probe: () => Promise<void>): void {
    this.probe = probe;
    this.reason = null;
  }

  async check(): Promise<ReadyAnswer> {
    if (this.reason !== null || !this.probe) return { ready: false, reason: this.reason ?? 'starting' };
    const probe = this.probe;
    this.running ??= probe().finally(() => (this.running = undefined));
    const timedOut = new Error(`the database did not answer within ${this.probeTimeoutMs / 1000} s`);
    try {
      await withTimeout(this.running, this.probeTimeoutMs, () => timedOut);
    } catch (err) {
      if (err === timedOut) return { ready: false, reason: timedOut.message };
      return { ready: false, reason: `database unreachable: ${withoutUrlPasswords((err as Error).message || String(err))}` };
    }
    // Shutdown may have begun while the probe ran.
    return this.reason === null ? { ready: true } : { ready: false, reason: this.reason };
  }
}
