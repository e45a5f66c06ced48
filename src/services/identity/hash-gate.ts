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

interface Waiter {
  start: () => void;
}

/**
 * Bounds CPU-heavy credential work (bcrypt): at most `concurrency` jobs run at once, the rest wait
 * in two lanes, and `priority` (an account checked from an address it logged in from before, or
 * an authenticated caller) is always served before `normal`, so a flood of unknown logins cannot
 * starve the owner. A whole credential check (its database work included) is first `admit`ted:
 * at most `concurrency + queueLength` per lane are in progress, and one more is refused at once
 * with RateLimitedError (429 + Retry-After) before it costs anything.
 */
export class HashGate {
  private running = 0;
  private peakRunning = 0;
  private completed = 0;
  private shed = 0;
  private readonly admittedPerLane = { priority: 0, normal: 0 };
  private readonly lanes: { priority: Waiter[]; normal: Waiter[] } = { priority: [], normal: [] };

  constructor(
    private readonly concurrency: number,
    private readonly queueLength: number,
  ) {}

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
    if (this.running >= this.concurrency) {
      const lane = priority ? this.lanes.priority : this.lanes.normal;
      if (lane.length >= this.queueLength) this.refuse();
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
      admitted: this.admittedPerLane.priority + this.admittedPerLane.normal,
    };
  }

  private refuse(): never {
    this.shed++;
    throw new RateLimitedError('too many password checks are waiting; try again in a moment', 1);
  }

  /** Hands the finished job's slot to the next waiter (priority first), or frees it. */
  private next(): void {
    const waiter = this.lanes.priority.shift() ?? this.lanes.normal.shift();
    if (waiter) waiter.start();
    else this.running--;
  }
}
