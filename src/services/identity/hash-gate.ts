import { ConcurrencyLimit } from '../../lib/concurrency-limit.js';
import { RateLimitedError } from '../../lib/errors.js';

/** Counters of the gate, for tests and metrics. */
export interface HashGateStats {
  running: number;
  queued: number;
  /** Most jobs ever seen running at once. */
  peakRunning: number;
  /** Jobs run to completion or failure. */
  completed: number;
  /** Credential checks refused because their lane was full. */
  shed: number;
  /** Credential checks admitted and not yet finished. */
  admitted: number;
}

const LANE = { priority: 0, normal: 1 } as const;

/**
 * Bounds CPU-heavy credential work (bcrypt): at most `concurrency` jobs run at once, the rest wait
 * in two lanes, and `priority` (an account checked from an address it logged in from before, or
 * an authenticated caller) is always served before `normal`, so a flood of unknown logins cannot
 * starve the owner. A whole credential check (its database work included) is first `admit`ted:
 * at most `concurrency + queueLength` per lane are in progress, and one more is refused at once
 * with RateLimitedError (429 + Retry-After) before it costs anything.
 */
export class HashGate {
  private readonly limit: ConcurrencyLimit;
  private peakRunning = 0;
  private completed = 0;
  private shed = 0;
  private readonly admittedPerLane = { priority: 0, normal: 0 };

  constructor(
    private readonly concurrency: number,
    private readonly queueLength: number,
  ) {
    this.limit = new ConcurrencyLimit(concurrency, 2);
  }

  /** Lets one credential check in (or throws RateLimitedError); call the returned function once when it ends. */
  admit(priority: boolean): () => void {
    const lane = priority ? 'priority' : 'normal';
    if (this.admittedPerLane[lane] >= this.concurrency + this.queueLength) this.refuse();
    this.admittedPerLane[lane]++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.admittedPerLane[lane]--;
    };
  }

  /** Runs one job when a slot is free; RateLimitedError when its lane's queue is full. */
  async run<T>(job: () => Promise<T>, priority: boolean): Promise<T> {
    const lane = priority ? LANE.priority : LANE.normal;
    if (this.limit.full && this.limit.queued(lane) >= this.queueLength) this.refuse();
    return this.limit.run(async () => {
      this.peakRunning = Math.max(this.peakRunning, this.limit.running);
      try {
        return await job();
      } finally {
        this.completed++;
      }
    }, lane);
  }

  stats(): HashGateStats {
    return {
      running: this.limit.running,
      queued: this.limit.queued(),
      peakRunning: this.peakRunning,
      completed: this.completed,
      shed: this.shed,
      admitted: this.admittedPerLane.priority + this.admittedPerLane.normal,
    };
  }

  private refuse(): never {
    this.shed++;
    throw new RateLimitedError('too many password checks are waiting; try again in a moment', 1);
  }
}
