import type { Clock } from './types.js';

/**
 * The clock of the simulated backends. `realtime`: wall time plus whatever was advanced, so a dev
 * box sees rebuilds progress by themselves. `manual`: frozen until advanced, so tests are exact
 * and never wait on real time.
 */
export class SimClock implements Clock {
  private offset = 0;
  private readonly frozenAt: number;

  constructor(
    private readonly mode: 'realtime' | 'manual' = 'realtime',
    private readonly wall: () => number = Date.now,
  ) {
    this.frozenAt = wall();
  }

  now(): number {
    return (this.mode === 'manual' ? this.frozenAt : this.wall()) + this.offset;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    this.offset += ms;
  }
}
