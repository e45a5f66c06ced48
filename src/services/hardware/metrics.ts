import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../../lib/log.js';
import type { BackendKind, HardwareArea } from '../../../hardware/index.js';
import type { FanService } from './fan-service.js';
import type { RaidService } from './raid-service.js';
import type { SmartService } from './smart-service.js';
import type { TelemetryService } from './telemetry-service.js';

/** Per-user storage usage, when the storage core provides it. */
export type UsageSource = () => Promise<{ username: string; usedBytes: number; quotaBytes: number | null }[]>;

export interface MetricsSources {
  backends: Record<HardwareArea, BackendKind>;
  telemetry: TelemetryService;
  raid: RaidService;
  smart: SmartService;
  fans: FanService;
  usage?: UsageSource;
  logger: Logger;
}

/** SMART results are reused for this long between scrapes: smartctl per disk per scrape would be too heavy. */
const SMART_MAX_AGE_MS = 5 * 60_000;
const VERDICTS = ['ok', 'warning', 'failing', 'unknown'] as const;

/**
 * The Prometheus exposition of one nasd instance, on its own Registry (several instances share a
 * test process, so the global registry is never used). Hardware gauges are refreshed at scrape
 * time; an area that fails to answer sets nasd_hardware_scrape_ok{area} to 0 instead of failing
 * the whole scrape. HTTP requests are counted as they happen.
 */
export class MetricsService {
  readonly registry = new Registry();
  private readonly g: Record<string, Gauge<string>>;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;
  private readonly uploaded: Counter<'protocol'>;
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly sources: MetricsSources) {
    const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [this.registry] });
    this.g = {
      backend: gauge('nasd_hardware_backend', 'Which backend serves each hardware area (1 for the active kind)', ['area', 'kind']),
      scrapeOk: gauge('nasd_hardware_scrape_ok', 'Whether the area answered during this scrape', ['area']),
      cpu: gauge('nasd_cpu_load_percent', 'CPU load over all cores, percent'),
      memUsed: gauge('nasd_memory_used_bytes', 'Memory in use (total minus available)'),
      memTotal: gauge('nasd_memory_total_bytes', 'Installed memory'),
      diskRead: gauge('nasd_disk_read_bytes_per_second', 'Block device reads'),
      diskWrite: gauge('nasd_disk_write_bytes_per_second', 'Block device writes'),
      netRx: gauge('nasd_network_receive_bytes_per_second', 'Network receive over all interfaces but loopback'),
      netTx: gauge('nasd_network_transmit_bytes_per_second', 'Network transmit over all interfaces but loopback'),
      fsSize: gauge('nasd_filesystem_size_bytes', 'Filesystem size', ['mount', 'device']),
      fsUsed: gauge('nasd_filesystem_used_bytes', 'Filesystem space used', ['mount', 'device']),
      userUsed: gauge('nasd_storage_user_used_bytes', 'Bytes a user owns', ['user']),
      userQuota: gauge('nasd_storage_user_quota_bytes', 'A user\'s quota (users without one are absent)', ['user']),
      raidState: gauge('nasd_raid_array_state', 'The kernel state of an md array (1 for the current one)', ['array', 'level', 'state']),
      raidDegraded: gauge('nasd_raid_array_degraded', 'Whether an md array is missing members', ['array']),
      raidDisks: gauge('nasd_raid_array_disks', 'Members of an md array by kind', ['array', 'kind']),
      raidSync: gauge('nasd_raid_sync_progress_ratio', 'Progress of a running resync/recovery/check/reshape', ['array', 'action']),
      smartVerdict: gauge('nasd_smart_disk_verdict', 'SMART verdict of a disk (1 for the current one)', ['device', 'verdict']),
      smartTemp: gauge('nasd_smart_disk_temperature_celsius', 'Disk temperature reported by SMART', ['device']),
      smartPowerOn: gauge('nasd_smart_disk_power_on_seconds', 'Disk power-on time (SMART counts hours; exposed in base units)', ['device']),
      fanRpm: gauge('nasd_fan_speed_rpm', 'Fan speed', ['fan']),
      fanDuty: gauge('nasd_fan_duty_ratio', 'Fan PWM duty, 0 to 1', ['fan']),
      fanFailsafe: gauge('nasd_fan_failsafe', 'Whether a fan is held at full speed by the failsafe', ['fan']),
      temp: gauge('nasd_sensor_temperature_celsius', 'hwmon temperature sensor reading', ['sensor']),
    };
    this.requests = new Counter({ name: 'nasd_http_requests_total', help: 'API requests by route template and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'nasd_http_request_duration_seconds', help: 'API request duration by route template', labelNames: ['method', 'route'],
      buckets: [0.005, 0.02, 0.1, 0.5, 2, 10], registers: [this.registry],
    });
    this.uploaded = new Counter({ name: 'nasd_upload_bytes_total', help: 'Bytes of files committed to storage, by protocol', labelNames: ['protocol'], registers: [this.registry] });
    this.jobRuns = new Counter({ name: 'nasd_job_runs_total', help: 'Finished scheduler job runs in this process, by job and outcome', labelNames: ['job', 'outcome'], registers: [this.registry] });
  }

  /** Counts the bytes of one committed upload (WebDAV PUT, tus, file API). */
  countUpload(protocol: string, bytes: number): void {
    this.uploaded.inc({ protocol }, bytes);
  }

  /** Counts one finished scheduler run. */
  countJobRun(job: string, outcome: 'ok' | 'failed'): void {
    this.jobRuns.inc({ job, outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts one finished API request; `route` is the matched template (never the raw path, to bound cardinality). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }

  private async area(area: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      this.g.scrapeOk.set({ area }, 1);
    } catch (err) {
      this.sources.logger.warn({ err, area }, 'metrics: area did not answer');
      this.g.scrapeOk.set({ area }, 0);
    }
  }

  private async refresh(): Promise<void> {
    const s = this.sources;
    for (const gauge of Object.values(this.g)) gauge.reset();
    for (const [area, kind] of Object.entries(s.backends)) this.g.backend.set({ area, kind }, 1);
    await this.area('system', async () => {
      const { sample } = await s.telemetry.live(60_000);
      const set = (g: Gauge<string>, v: number | null) => v !== null && g.set(v);
      set(this.g.cpu, sample.cpuLoadPercent);
      set(this.g.memUsed, sample.memUsedBytes);
      set(this.g.memTotal, sample.memTotalBytes);
      set(this.g.diskRead, sample.diskReadBps);
      set(this.g.diskWrite, sample.diskWriteBps);
      set(this.g.netRx, sample.netRxBps);
      set(this.g.netTx, sample.netTxBps);
      for (const f of sample.filesystems) {
        this.g.fsSize.set({ mount: f.mount, device: f.fs }, f.sizeBytes);
        this.g.fsUsed.set({ mount: f.mount, device: f.fs }, f.usedBytes);
      }
    });
    if (s.usage) {
      const usage = s.usage;
      await this.area('storage', async () => {
        for (const u of await usage()) {
          this.g.userUsed.set({ user: u.username }, u.usedBytes);
          if (u.quotaBytes !== null) this.g.userQuota.set({ user: u.username }, u.quotaBytes);
        }
      });
    }
    await this.area('raid', async () => {
      for (const a of (await s.raid.list()).arrays) {
        this.g.raidState.set({ array: a.name, level: a.level ?? 'unknown', state: a.state }, 1);
        this.g.raidDegraded.set({ array: a.name }, a.degraded ? 1 : 0);
        for (const kind of ['active', 'total', 'failed', 'spare'] as const) this.g.raidDisks.set({ array: a.name, kind }, a.disks[kind]);
        if (a.sync?.percent !== null && a.sync?.percent !== undefined) this.g.raidSync.set({ array: a.name, action: a.sync.action }, a.sync.percent / 100);
      }
    });
    await this.area('smart', async () => {
      for (const d of await s.smart.cached(SMART_MAX_AGE_MS)) {
        for (const v of VERDICTS) this.g.smartVerdict.set({ device: d.device, verdict: v }, d.verdict === v ? 1 : 0);
        if (d.temperatureC !== null) this.g.smartTemp.set({ device: d.device }, d.temperatureC);
        if (d.powerOnHours !== null) this.g.smartPowerOn.set({ device: d.device }, d.powerOnHours * 3600);
      }
    });
    await this.area('fans', async () => {
      const { fans, sensors } = await s.fans.status();
      for (const f of fans) {
        if (f.rpm !== null) this.g.fanRpm.set({ fan: f.id }, f.rpm);
        if (f.duty !== null) this.g.fanDuty.set({ fan: f.id }, f.duty / 100);
        this.g.fanFailsafe.set({ fan: f.id }, f.failsafe ? 1 : 0);
      }
      for (const t of sensors) if (t.celsius !== null) this.g.temp.set({ sensor: t.id }, t.celsius);
    });
  }

  /** Refreshes the hardware gauges and renders the text exposition; concurrent scrapes run one after another. */
  render(): Promise<string> {
    const next = this.queue.then(async () => {
      await this.refresh();
      return this.registry.metrics();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
