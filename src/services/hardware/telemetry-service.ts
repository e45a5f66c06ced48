import { HardwareError } from '../../lib/errors.js';
import { PeriodicTask } from '../../lib/periodic.js';
import { withTimeout } from '../../lib/timeout.js';
import type { Logger } from '../../lib/log.js';
import type { BackendKind, SystemBackend, SystemSample } from '../../../hardware/index.js';
import { pointOf, RETENTION_MS, TelemetryStore, type Resolution, type TelemetryPoint } from './telemetry-store.js';

/** How long one system sample may take (systeminformation's first CPU load call takes about 0.6 s). */
const SAMPLE_TIMEOUT_MS = 10_000;

/**
 * Samples the system on an interval into the database (raw, then rolled up to minute and hour
 * averages with retention), and answers live snapshots and history ranges.
 */
export class TelemetryService {
  private latest: SystemSample | null = null;

  constructor(
    private readonly backend: SystemBackend,
    private readonly store: TelemetryStore,
    private readonly logger: Logger,
  ) {
    this.loop = new PeriodicTask(() => this.sampleNow(), logger, 'telemetry sample failed');
  }

  private readonly loop: PeriodicTask;

  get kind(): BackendKind {
    return this.backend.kind;
  }

  /**
   * Takes one sample, stores it, rolls finished buckets up and prunes old rows. A sample that
   * does not settle within SAMPLE_TIMEOUT_MS fails (a library call can lose its callback when
   * the process runs out of file descriptors), so neither the loop nor a live request waits for good.
   */
  async sampleNow(): Promise<SystemSample> {
    const sample = await withTimeout(this.backend.sample(), SAMPLE_TIMEOUT_MS, () => new HardwareError('HW_UNAVAILABLE', `system sample timed out after ${SAMPLE_TIMEOUT_MS} ms`));
    this.latest = sample;
    await this.store.insertRaw(pointOf(sample));
    await this.store.rollUp(sample.at);
    await this.store.prune(sample.at);
    return sample;
  }

  /** The last sample if younger than `maxAgeMs`, else a new one (stored like any other). */
  async live(maxAgeMs: number): Promise<{ backend: BackendKind; sample: SystemSample }> {
    const fresh = this.latest && Date.now() - this.latest.at <= maxAgeMs && this.backend.kind === 'real';
    return { backend: this.backend.kind, sample: fresh && this.latest ? this.latest : await this.sampleNow() };
  }

  /**
   * Stored points in [from, to]. `auto` picks the finest resolution that still holds `from`
   * and keeps the answer small: raw for ≤ 6 h, minutes for ≤ 7 days, hours beyond.
   */
  async history(from: number, to: number, resolution: Resolution | 'auto'): Promise<{ resolution: Resolution; points: TelemetryPoint[] }> {
    const now = Math.max(Date.now(), this.latest?.at ?? 0);
    const span = Math.min(to, now) - from;
    let chosen: Resolution;
    if (resolution !== 'auto') chosen = resolution;
    else if (span <= 6 * 3_600_000 && from >= now - RETENTION_MS.raw) chosen = 'raw';
    else if (span <= 7 * 86_400_000 && from >= now - RETENTION_MS['1m']) chosen = '1m';
    else chosen = '1h';
    return { resolution: chosen, points: await this.store.range(chosen, from, to, 10_000) };
  }

  /** Samples every `intervalMs` on an unref'd timer; samples never overlap. */
  start(intervalMs: number): void {
    this.loop.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
