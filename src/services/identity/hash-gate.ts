import { RateLimitedError } from '../../lib/errors.js';

/** Counters of the gate, for tests and metrics. */
export interface HashGateStats {
  running: number;
  queued: number;
  /** Most jobs ever seen running at once. */
  peakRunning: number;
  /** Jobs run to completion or failure. */
  completed: number;
  /** Jobs refused because their lane was full. */
  shed: number;
}

interface Waiter {
  start: () => void;
}

/**
 * Bounds CPU-heavy credential work (bcrypt): at most `concurrency` jobs run at once, at most
 * `queueLength` wait per lane, and a job that finds its lane full is refused at once with
 * RateLimitedError (429 + Retry-After) instead of stalling every request behind it. Two lanes:
 * `priority` (an account checked from an address it logged in from before, or an authenticated
 * caller) is always served before `normal`, so a flood of unknown logins cannot starve the owner.
 */
export class HashGate {
  private running = 0;
  private peakRunning = 0;
  private completed = 0;
  private shed = 0;
  private readonly lanes: { priority: Waiter[]; normal: Waiter[] } = { priority: [], normal: [] };

  constructor(
    private readonly concurrency: number,
    private readonly queueLength: number,
  ) {}

  async run<T>(job: () => Promise<T>, priority: boolean): Promise<T> {
    if (this.running >= this.concurrency) {
      const lane = priority ? this.lanes.priority : this.lanes.normal;
      if (lane.length >= this.queueLength) {
        this.shed++;
        throw new RateLimitedError('too many password checks are waiting; try again in a moment', 1);
      }
      await new Promise<void>((start) => lane.push({ start }));
    } else {
      this.running++;
    }
    this.peakRunning = Math.max(this.peakRunning, this.running);
    try {
      return await job();
    } finally {
      this.completed++;
      this.next();
    }
  }

  stats(): HashGateStats {
    return {
      running: this.running,
      queued: this.lanes.priority.length + this.lanes.normal.length,
      peakRunning: this.peakRunning,
      completed: this.completed,
      shed: this.shed,
    };
  }

  /** Hands the finished job's slot to the next waiter (priority first), or frees it. */
  private next(): void {
    const waiter = this.lanes.priority.shift() ?? this.lanes.normal.shift();
    if (waiter) waiter.start();
    else this.running--;
  }
}
