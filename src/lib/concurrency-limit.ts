/**
 * At most `limit` jobs run at once; the others wait in lanes, lane 0 served first, then in order
 * of arrival. A finished job hands its slot straight to the next waiter, so a job arriving in
 * between never jumps the queue.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly lanes: Array<Array<() => void>>;

  constructor(
    private readonly limit: number,
    lanes = 1,
  ) {
    this.lanes = Array.from({ length: lanes }, () => []);
  }

  /** Jobs running now. */
  get running(): number {
    return this.active;
  }

  /** Whether a job run now would have to wait. */
  get full(): boolean {
    return this.active >= this.limit;
  }

  /** Jobs waiting in `lane`, or in all lanes. */
  queued(lane?: number): number {
    return lane === undefined ? this.lanes.reduce((n, l) => n + l.length, 0) : this.lanes[lane].length;
  }

  /** Runs `job` once a slot is free (at once, synchronously, when one is); waits in `lane` otherwise. */
  async run<T>(job: () => Promise<T>, lane = 0): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((start) => this.lanes[lane].push(start));
    try {
      return await job();
    } finally {
      this.handOff();
    }
  }

  private handOff(): void {
    for (const lane of this.lanes) {
      const next = lane.shift();
      if (next) {
        next();
        return;
      }
    }
    this.active--;
  }
}
