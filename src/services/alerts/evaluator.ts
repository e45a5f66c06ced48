import { SMART_THRESHOLDS } from '../../../hardware/index.js';
import type { FanService, RaidService, SmartService, TelemetryService } from '../hardware/index.js';
import { missedJobs, type JobState } from './schedule-checks.js';
import type { AlertService } from './service.js';

type Active = Map<string, { details: Record<string, unknown>; userId?: number | null }>;

/** What the evaluation loop reads. Each source is optional so a process without one still evaluates the rest. */
export interface EvaluationSources {
  raid?: RaidService;
  smart?: SmartService;
  fans?: FanService;
  telemetry?: TelemetryService;
  usage?: () => Promise<{ userId: number; username: string; usedBytes: number; quotaBytes: number | null }[]>;
  /** The scheduler's jobs (set once the scheduler exists: it is built after alerts). */
  jobs?: { list(): Promise<JobState[]> };
  /** When each array's scrub last started, and since when that is recorded. */
  scrubs?: () => Promise<{ lastStarted: Map<string, number>; recordingSince: number | null }>;
}

/** How fresh readings must be for one cycle. */
export interface EvaluationOptions {
  /** SMART results younger than this are reused (smartctl per disk per cycle would be heavy); 0 reads every time. */
  smartMaxAgeMs: number;
  /** An array without a successful scrub start for this long has `raid.scrub_overdue`. */
  scrubOverdueMs: number;
  now: () => number;
}

/**
 * One pass over the hardware and storage state: every condition rule the loop owns is recomputed
 * as a set of keys and handed to AlertService.reconcile, which opens, refreshes and clears alerts.
 * A source that fails to answer leaves its rules untouched for this cycle (no false "resolved").
 */
export class AlertEvaluator {
  /** Disks seen in earlier cycles (device → serial), so a disk that vanished is noticed. */
  private readonly knownDisks = new Map<string, string | null>();

  constructor(
    private readonly alerts: AlertService,
    private readonly sources: EvaluationSources,
    private readonly options: EvaluationOptions,
  ) {}

  /** Runs every family; returns the families that could not be read this time. */
  async evaluate(): Promise<string[]> {
    const failed: string[] = [];
    const families: [string, (() => Promise<void>) | null][] = [
      ['raid', this.sources.raid ? () => this.raid(this.sources.raid!) : null],
      ['smart', this.sources.smart ? () => this.smart(this.sources.smart!) : null],
      ['fans', this.sources.fans ? () => this.fans(this.sources.fans!) : null],
      ['storage', () => this.storage()],
      ['scheduler', this.sources.jobs ? () => this.scheduler(this.sources.jobs!) : null],
    ];
    for (const [name, run] of families) {
      if (!run) continue;
      try {
        await run();
      } catch {
        failed.push(name);
      }
    }
    await this.alerts.remind();
    return failed;
  }

  private async apply(sets: Record<string, Active>): Promise<void> {
    for (const [ruleId, active] of Object.entries(sets)) await this.alerts.reconcile(ruleId, active);
  }

  private async raid(raid: RaidService): Promise<void> {
    const degraded: Active = new Map();
    const memberFailed: Active = new Map();
    const rebuilding: Active = new Map();
    const inactive: Active = new Map();
    const mismatches: Active = new Map();
    const overdue: Active = new Map();
    const scrubs = this.sources.scrubs ? await this.sources.scrubs() : null;
    const now = this.options.now();
    for (const a of (await raid.list()).arrays) {
      // Not while a scrub runs; degraded and inactive arrays refuse scrubs and have their own alert.
      const scrubExempt = a.sync?.action === 'check' || a.sync?.action === 'repair' || a.degraded || a.state.startsWith('inactive');
      const last = scrubs?.lastStarted.get(a.name) ?? null;
      const since = last ?? scrubs?.recordingSince ?? null;
      if (since !== null && !scrubExempt && now - since > this.options.scrubOverdueMs) {
        overdue.set(a.name, { details: { lastScrubStartedAt: last, days: Math.floor((now - since) / 86_400_000) } });
      }
      const faulty = a.members.filter((m) => m.role === 'faulty').map((m) => m.device);
      if (a.state.startsWith('inactive')) inactive.set(a.name, { details: { state: a.state } });
      else if (a.degraded) {
        // One incident, one alert: while the array is degraded its failed members are part of that alert.
        degraded.set(a.name, { details: { level: a.level ?? 'unknown', activeDisks: a.disks.active, failedMembers: faulty.join(', ') || 'removed' } });
      } else {
        for (const device of faulty) memberFailed.set(`${a.name}/${device}`, { details: { array: a.name, device } });
      }
      if (a.sync && (a.sync.action === 'recovery' || a.sync.action === 'resync' || a.sync.action === 'reshape')) {
        rebuilding.set(a.name, { details: { action: a.sync.action } });
      }
      if (!a.sync) {
        const detail = await raid.get(a.name);
        if ((detail.mismatchCount ?? 0) > 0) mismatches.set(a.name, { details: { mismatchSectors: detail.mismatchCount } });
      }
    }
    await this.apply({ 'raid.inactive': inactive, 'raid.degraded': degraded, 'raid.member_failed': memberFailed, 'raid.rebuilding': rebuilding, 'raid.mismatches': mismatches, ...(scrubs ? { 'raid.scrub_overdue': overdue } : {}) });
  }

  private async scheduler(jobs: NonNullable<EvaluationSources['jobs']>): Promise<void> {
    const missed: Active = new Map();
    for (const m of missedJobs(await jobs.list(), this.options.now())) missed.set(m.name, { details: { dueAt: m.dueAt, lateMinutes: Math.floor(m.lateMs / 60_000) } });
    await this.apply({ 'scheduler.job_missed': missed });
  }

  private async smart(smart: SmartService): Promise<void> {
    const failing: Active = new Map();
    const warning: Active = new Map();
    const hot: Active = new Map();
    const gone: Active = new Map();
    const disks = this.options.smartMaxAgeMs > 0 ? await smart.cached(this.options.smartMaxAgeMs) : (await smart.list()).disks;
    const present = new Set(disks.map((d) => d.device));
    for (const d of disks) {
      this.knownDisks.set(d.device, d.serial);
      const details = { model: d.model ?? 'unknown', serial: d.serial ?? 'unknown', reasons: d.reasons.join('; ') };
      if (d.verdict === 'failing') failing.set(d.device, { details });
      else if (d.verdict === 'warning' && d.reasons.some((r) => !r.startsWith('temperature'))) warning.set(d.device, { details });
      const limit = d.protocol === 'nvme' ? SMART_THRESHOLDS.nvmeTemperatureWarning : SMART_THRESHOLDS.temperatureWarning;
      if (d.temperatureC !== null && d.temperatureC >= limit) hot.set(d.device, { details: { temperatureC: d.temperatureC, limitC: limit } });
    }
    for (const [device, serial] of this.knownDisks) if (!present.has(device)) gone.set(device, { details: { serial: serial ?? 'unknown' } });
    const selfTest: Active = new Map(smart.failedSelfTests().map((device) => [device, { details: {} }]));
    await this.apply({ 'smart.selftest_failed': selfTest, 'smart.failing': failing, 'smart.warning': warning, 'smart.temperature': hot, 'smart.disappeared': gone });
  }

  private async fans(fans: FanService): Promise<void> {
    const failsafe: Active = new Map();
    const stale: Active = new Map();
    for (const f of (await fans.status()).fans) {
      if (!f.failsafe) continue;
      // A stale sensor alone already drives the fan to full speed (safe): a warning, not a critical.
      (/stale/.test(f.failsafe.reason) ? stale : failsafe).set(f.id, { details: { reason: f.failsafe.reason, since: f.failsafe.since } });
    }
    await this.apply({ 'fans.failsafe': failsafe, 'fans.sensor_stale': stale });
  }

  private async storage(): Promise<void> {
    if (this.sources.usage) {
      const near: Active = new Map();
      const full: Active = new Map();
      for (const u of await this.sources.usage()) {
        if (!u.quotaBytes) continue;
        const ratio = u.usedBytes / u.quotaBytes;
        const details = { usedBytes: u.usedBytes, quotaBytes: u.quotaBytes, percent: Math.floor(ratio * 100) };
        if (ratio >= 1) full.set(u.username, { details, userId: u.userId });
        else if (ratio >= 0.9) near.set(u.username, { details, userId: u.userId });
      }
      await this.apply({ 'storage.quota_90': near, 'storage.quota_100': full });
    }
    if (this.sources.telemetry) {
      const { sample } = await this.sources.telemetry.live(60_000);
      if (sample.fsUsedBytes !== null && sample.fsSizeBytes) {
        const ratio = sample.fsUsedBytes / sample.fsSizeBytes;
        const details = { usedBytes: sample.fsUsedBytes, sizeBytes: sample.fsSizeBytes, percent: Math.floor(ratio * 100) };
        const at95: Active = ratio >= 0.95 ? new Map([['storage', { details }]]) : new Map();
        const at90: Active = ratio >= 0.9 && ratio < 0.95 ? new Map([['storage', { details }]]) : new Map();
        await this.apply({ 'storage.filesystem_95': at95, 'storage.filesystem_90': at90 });
      }
    }
  }
}
