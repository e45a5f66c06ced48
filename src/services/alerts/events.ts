import type { AuditEvent } from '../../audit/index.js';
import type { Logger } from '../../lib/log.js';
import type { AlertReporter } from './service.js';

/** Whether a user name belongs to an administrator (looked up when an event needs it). */
export type IsAdmin = (username: string) => Promise<boolean>;

/**
 * Turns audited security events into alerts. Work is queued and run one event at a time after
 * the recording call returns, never inside the caller's transaction.
 */
export class SecurityEventWatcher {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly alerts: AlertReporter,
    private readonly isAdmin: IsAdmin,
    private readonly logger: Logger,
  ) {}

  /** The audit observer: never throws, never waits. */
  readonly observe = (event: AuditEvent): void => {
    this.queue = this.queue
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => this.handle(event))
      .catch((err: unknown) => this.logger.error({ err, action: event.action }, 'alerts: cannot raise an alert for a security event'));
  };

  /** Resolves once every event observed so far is handled (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async handle(e: AuditEvent): Promise<void> {
    const subject = e.target ?? e.actor?.name ?? 'unknown';
    const facts = { address: e.address ?? 'unknown', protocol: e.protocol ?? 'unknown', by: e.actor?.name ?? 'unknown' };
    if (e.action === 'auth.refresh.reuse') return this.alerts.raise('security.refresh_reuse', subject, facts);
    if (e.action.startsWith('auth.throttle')) return this.alerts.raise('security.login_throttled', subject, facts);
    if (e.outcome !== 'success') return;
    if (e.action === 'user.create' && e.details?.role === 'admin') return this.alerts.raise('security.admin_created', subject, facts);
    if ((e.action === 'auth.totp.disable' || e.action === 'user.totp.reset') && (await this.isAdmin(subject))) {
      return this.alerts.raise('security.admin_2fa_disabled', subject, facts);
    }
  }
}

/**
 * Counts consecutive failures of each scheduler job: `threshold` in a row opens
 * `scheduler.job_failing`, the next success clears it.
 */
export class JobFailureTracker {
  private readonly streaks = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly alerts: AlertReporter,
    private readonly threshold: number,
    private readonly logger: Logger,
  ) {}

  /** The scheduler's onFinished hook: never throws, never waits. */
  readonly finished = (job: string, outcome: 'ok' | 'failed'): void => {
    const streak = outcome === 'ok' ? 0 : (this.streaks.get(job) ?? 0) + 1;
    this.streaks.set(job, streak);
    this.queue = this.queue
      .then(() => (streak >= this.threshold ? this.alerts.raise('scheduler.job_failing', job, { failuresInARow: streak }) : streak === 0 ? this.alerts.clear('scheduler.job_failing', job) : undefined))
      .catch((err: unknown) => this.logger.error({ err, job }, 'alerts: cannot record a job failure'));
  };

  idle(): Promise<void> {
    return this.queue;
  }
}
