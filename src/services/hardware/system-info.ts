import type { FilesystemUsage, SystemBackend, SystemSample } from '../../../hardware/index.js';

/** The parts of `systeminformation` the sampler calls. */
export type SystemInformationModule = Pick<typeof import('systeminformation'), 'currentLoad' | 'mem' | 'fsStats' | 'networkStats' | 'fsSize'>;

/** Filesystem types that are not storage (memory, overlays, images). */
const VIRTUAL_FS = /^(tmpfs|devtmpfs|overlay|squashfs|ramfs|proc|sysfs|cgroup2?|efivarfs|autofs)$/;

/**
 * The real system sampler over `systeminformation` (kept outside hardware/ because hardware/
 * imports only node built-ins). Rates (`*_sec`) are computed by the library between two calls
 * and are null on the first one; the first sample therefore has null rates, stored as such.
 */
export class SystemInformationBackend implements SystemBackend {
  readonly kind = 'real' as const;

  /**
   * systeminformation is loaded on the first sample (about 3 MiB a process with simulated hardware
   * never needs). A failed load (out of file descriptors, say) is forgotten, so the next sample retries it.
   */
  private si: Promise<SystemInformationModule> | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly load: () => Promise<SystemInformationModule> = () => import('systeminformation'),
  ) {}

  async sample(): Promise<SystemSample> {
    const si = await (this.si ??= this.load().catch((err: unknown) => {
      this.si = undefined;
      throw err;
    }));
    const [load, mem, fsStats, nets, fsList] = await Promise.all([si.currentLoad(), si.mem(), si.fsStats(), si.networkStats('*'), si.fsSize()]);
    const seen = new Set<string>();
    const filesystems: FilesystemUsage[] = [];
    for (const f of fsList) {
      if (VIRTUAL_FS.test(f.type) || seen.has(f.fs)) continue;
      seen.add(f.fs);
      filesystems.push({ mount: f.mount, fs: f.fs, type: f.type, sizeBytes: f.size, usedBytes: f.used });
    }
    const external = nets.filter((n) => n.iface !== 'lo');
    const sum = (values: (number | null)[]) => (values.some((v) => v === null || v === undefined) || values.length === 0 ? null : values.reduce((a, b) => (a as number) + (b as number), 0));
    return {
      at: this.now(),
      cpuLoadPercent: Number.isFinite(load.currentLoad) ? load.currentLoad : null,
      memTotalBytes: mem.total,
      memUsedBytes: mem.total - mem.available,
      diskReadBps: fsStats?.rx_sec ?? null,
      diskWriteBps: fsStats?.wx_sec ?? null,
      netRxBps: sum(external.map((n) => n.rx_sec)),
      netTxBps: sum(external.map((n) => n.tx_sec)),
      fsSizeBytes: filesystems.reduce((n, f) => n + f.sizeBytes, 0),
      fsUsedBytes: filesystems.reduce((n, f) => n + f.usedBytes, 0),
      filesystems,
    };
  }
}
