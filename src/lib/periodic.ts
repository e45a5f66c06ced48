import type { Logger } from './log.js';

/**
 * Runs an async task every `intervalMs` on an unref'd timer (it never keeps the process alive).
 * Runs never overlap: a tick that finds the previous run still going is skipped. A failing run
 * is logged, not thrown.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
    private readonly failureMessage: string,
  ) {}

  /** Starts the loop; a second start, or an interval ≤ 0, does nothing. */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.run()
        .then(() => undefined, (err: unknown) => this.logger.error({ err }, this.failureMessage))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the loop and waits for a run under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
