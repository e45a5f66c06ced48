import type { Logger } from './log.js';

/** The longest pause a failing task backs off to. */
const MAX_BACKOFF_MS = 60_000;

/**
 * Runs an async task every `intervalMs` on an unref'd timer (it never keeps the process alive).
 * Runs never overlap: the next one is scheduled when the previous one settles. A failing run
 * (a rejection or a synchronous throw) is logged, not thrown, and the task backs off: each
 * further failure in a row doubles the pause, up to a minute, and the first success returns
 * to the normal interval.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private intervalMs = 0;
  private failures = 0;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
    private readonly failureMessage: string,
  ) {}

  /** Starts the loop; a second start, or an interval ≤ 0, does nothing. */
  start(intervalMs: number): void {
    if (this.intervalMs > 0 || intervalMs <= 0) return;
    this.intervalMs = intervalMs;
    this.schedule(intervalMs);
  }

  /** Failures in a row since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Stops the loop and waits for a run under way. */
  async stop(): Promise<void> {
    this.intervalMs = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.intervalMs > 0) this.schedule(this.nextDelay());
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      await this.run();
      if (this.failures > 0) this.logger.info({ afterFailures: this.failures }, `${this.failureMessage}: recovered`);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.logger.error({ err, failures: this.failures, retryInMs: this.nextDelay() }, this.failureMessage);
    }
  }

  private nextDelay(): number {
    if (this.failures === 0) return this.intervalMs;
    return Math.min(MAX_BACKOFF_MS, Math.max(this.intervalMs, this.intervalMs * 2 ** (this.failures - 1)));
  }
}
