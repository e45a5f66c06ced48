import type { Clock, SystemBackend, SystemSample } from '../types.js';

const GiB = 1024 ** 3;
const FS_SIZE = 4e12;

/**
 * A simulated box: 8 GiB of memory, one 4 TB data filesystem, disk and network rates that swing
 * with simulated time, CPU load from the shared simulated load. Deterministic for a given clock.
 */
export class SimulatedSystemBackend implements SystemBackend {
  readonly kind = 'simulated' as const;
  private fsUsed = 1.2e12;

  constructor(
    private readonly clock: Clock,
    private readonly load: () => number,
  ) {}

  async sample(): Promise<SystemSample> {
    const at = this.clock.now();
    const wave = (period: number) => (1 + Math.sin((at / period) * 2 * Math.PI)) / 2;
    const load = this.load();
    const fsSize = FS_SIZE;
    const fsUsed = this.fsUsed;
    return {
      at,
      cpuLoadPercent: Math.round(load * 1000) / 10,
      memTotalBytes: 8 * GiB,
      memUsedBytes: Math.round((1.5 + 2 * load) * GiB),
      diskReadBps: Math.round(20e6 * wave(600_000) * (0.2 + load)),
      diskWriteBps: Math.round(8e6 * wave(900_000) * (0.2 + load)),
      netRxBps: Math.round(5e6 * wave(300_000)),
      netTxBps: Math.round(12e6 * wave(420_000)),
      fsSizeBytes: fsSize,
      fsUsedBytes: fsUsed,
      filesystems: [{ mount: '/srv/nas', fs: '/dev/md0', type: 'ext4', sizeBytes: fsSize, usedBytes: fsUsed }],
    };
  }

  /** Sets how full the data filesystem is, in percent of its size. */
  setFilesystemUsedPercent(percent: number): void {
    this.fsUsed = Math.round((FS_SIZE * percent) / 100);
  }
}
