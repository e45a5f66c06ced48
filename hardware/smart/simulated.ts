import { HardwareError } from '../../src/lib/errors.js';
import type { Clock, SelfTestKind, SmartAttribute, SmartBackend, SmartDisk, SmartProtocol, SmartSelfTest } from '../types.js';
import { unreadableDisk } from './parse.js';
import { assess, verdictOf } from './verdict.js';

interface SimDisk {
  device: string;
  type: string;
  protocol: SmartProtocol;
  model: string;
  serial: string;
  capacityBytes: number;
  temperatureC: number;
  baseHours: number;
  passed: boolean;
  attributes: SmartAttribute[];
  selfTests: SmartSelfTest[];
  running: { kind: SelfTestKind; startedAt: number } | null;
  /** False while the simulated disk is unplugged: it is not listed. */
  present: boolean;
}

const ata = (id: number, name: string, value: number, normalized = 100, threshold = 0): SmartAttribute => ({ key: `ata.${id}`, name, value, normalized, worst: normalized, threshold });
const nvme = (field: string, name: string, value: number): SmartAttribute => ({ key: `nvme.${field}`, name, value });

/** Simulated self-test durations, as drives typically report them in polling_minutes. */
const SELF_TEST_MS: Record<SelfTestKind, number> = { short: 2 * 60_000, long: 60 * 60_000 };

function disks(): SimDisk[] {
  const base = { selfTests: [] as SmartSelfTest[], running: null, passed: true, present: true };
  return ([
    { ...base, device: 'sda', type: 'sat', protocol: 'ata', model: 'WDC WD40EFRX-68N32N0', serial: 'SIM-HDD-0001', capacityBytes: 4_000_787_030_016, temperatureC: 34, baseHours: 21_340,
      attributes: [ata(5, 'Reallocated_Sector_Ct', 0, 200, 140), ata(9, 'Power_On_Hours', 21_340), ata(194, 'Temperature_Celsius', 34), ata(197, 'Current_Pending_Sector', 0, 200), ata(198, 'Offline_Uncorrectable', 0, 200), ata(199, 'UDMA_CRC_Error_Count', 0, 200)] },
    { ...base, device: 'sdb', type: 'sat', protocol: 'ata', model: 'ST4000VN008-2DR166', serial: 'SIM-HDD-0002', capacityBytes: 4_000_787_030_016, temperatureC: 36, baseHours: 18_002,
      attributes: [ata(5, 'Reallocated_Sector_Ct', 0, 100, 10), ata(9, 'Power_On_Hours', 18_002), ata(194, 'Temperature_Celsius', 36), ata(197, 'Current_Pending_Sector', 0), ata(198, 'Offline_Uncorrectable', 0), ata(199, 'UDMA_CRC_Error_Count', 3, 200)] },
    { ...base, device: 'sdc', type: 'sat', protocol: 'ata', model: 'Samsung SSD 870 EVO 1TB', serial: 'SIM-SSD-0001', capacityBytes: 1_000_204_886_016, temperatureC: 31, baseHours: 9_120,
      attributes: [ata(5, 'Reallocated_Sector_Ct', 0, 100, 10), ata(9, 'Power_On_Hours', 9_120), ata(177, 'Wear_Leveling_Count', 12, 98, 0), ata(194, 'Temperature_Celsius', 31), ata(199, 'UDMA_CRC_Error_Count', 0)] },
    { ...base, device: 'sdd', type: 'sat', protocol: 'ata', model: 'WDC WD30EFRX-68EUZN0', serial: 'SIM-HDD-0003', capacityBytes: 3_000_592_982_016, temperatureC: 41, baseHours: 48_770, passed: false,
      attributes: [ata(5, 'Reallocated_Sector_Ct', 1_184, 3, 140), ata(9, 'Power_On_Hours', 48_770), ata(194, 'Temperature_Celsius', 41), ata(197, 'Current_Pending_Sector', 64, 180), ata(198, 'Offline_Uncorrectable', 58, 180), ata(199, 'UDMA_CRC_Error_Count', 0)] },
    { ...base, device: 'nvme0', type: 'nvme', protocol: 'nvme', model: 'Samsung SSD 980 PRO 1TB', serial: 'SIM-NVME-0001', capacityBytes: 1_000_204_886_016, temperatureC: 44, baseHours: 6_510,
      attributes: [nvme('critical_warning', 'Critical warning', 0), nvme('available_spare', 'Available spare (%)', 100), nvme('available_spare_threshold', 'Available spare threshold (%)', 10), nvme('percentage_used', 'Percentage used', 3), nvme('media_errors', 'Media and data integrity errors', 0)] },
    { ...base, device: 'sde', type: 'scsi', protocol: 'scsi', model: 'SEAGATE ST4000NM0023', serial: 'SIM-SAS-0001', capacityBytes: 4_000_787_030_016, temperatureC: 33, baseHours: 39_990,
      attributes: [{ key: 'scsi.grown_defects', name: 'Grown defect list', value: 0 }, { key: 'scsi.read_uncorrected', name: 'Uncorrected read errors', value: 0 }] },
  ] satisfies SimDisk[]).map((d): SimDisk => ({ ...d, selfTests: [] })); // each disk its own log (`base` would share one array)
}

/**
 * Simulated disks of every kind: two HDDs (one with an old CRC-error count to acknowledge), a
 * SATA SSD, a failing HDD, an NVMe, a SAS disk and a USB enclosure without SMART. Power-on hours
 * follow the injected clock; self-tests finish when enough simulated time has passed.
 */
export class SimulatedSmartBackend implements SmartBackend {
  readonly kind = 'simulated' as const;
  private readonly disks = disks();
  private readonly startedAt: number;

  constructor(private readonly clock: Clock) {
    this.startedAt = clock.now();
  }

  private find(device: string): SimDisk {
    const d = this.anyDisk(device);
    if (!d.present) throw new HardwareError('DEVICE_NOT_FOUND', `disk ${device} is not present`);
    return d;
  }

  private anyDisk(device: string): SimDisk {
    const d = this.disks.find((x) => x.device === device);
    if (!d) throw new HardwareError('DEVICE_NOT_FOUND', `no disk named ${device} (disks: ${[...this.disks.map((x) => x.device), 'sdf'].join(', ')})`);
    return d;
  }

  private present(d: SimDisk): SmartDisk {
    const hours = d.baseHours + Math.floor((this.clock.now() - this.startedAt) / 3_600_000);
    if (d.running && this.clock.now() >= d.running.startedAt + SELF_TEST_MS[d.running.kind]) {
      d.selfTests.unshift({ type: d.running.kind === 'short' ? 'Short offline' : 'Extended offline', status: d.passed ? 'Completed without error' : 'Completed: read failure', passed: d.passed, lifetimeHours: hours });
      d.running = null;
    }
    const attributes = d.attributes.map((a) => (a.key === 'ata.9' ? { ...a, value: hours } : { ...a }));
    const findings = assess(d.protocol, attributes, d.passed, d.temperatureC);
    const remaining = d.running ? Math.ceil((1 - (this.clock.now() - d.running.startedAt) / SELF_TEST_MS[d.running.kind]) * 10) * 10 : null;
    return {
      device: d.device, type: d.type, model: d.model, serial: d.serial, protocol: d.protocol, availability: 'available',
      verdict: verdictOf(findings), findings, notes: [], temperatureC: d.temperatureC, powerOnHours: hours, capacityBytes: d.capacityBytes,
      attributes, selfTests: d.selfTests.map((t) => ({ ...t })),
      selfTestRunning: d.running ? { type: d.running.kind, remainingPercent: remaining } : null,
    };
  }

  private usb(): SmartDisk {
    return unreadableDisk('/dev/sdf', 'scsi', 'scsi', 'unsupported', ['/dev/sdf: Unknown USB bridge [0x152d:0x0578 (0x205)]']);
  }

  async listDisks(): Promise<SmartDisk[]> {
    return [...this.disks.filter((d) => d.present).map((d) => this.present(d)), this.usb()];
  }

  async getDisk(device: string): Promise<SmartDisk> {
    if (device === 'sdf') return this.usb();
    return this.present(this.find(device));
  }

  async startSelfTest(device: string, kind: SelfTestKind): Promise<void> {
    if (device === 'sdf') throw new HardwareError('UNSUPPORTED', 'sdf has no SMART support; it cannot run a self-test');
    const d = this.find(device);
    if (this.present(d).selfTestRunning) throw new HardwareError('DEVICE_BUSY', `${device} is already running a self-test`);
    d.running = { kind, startedAt: this.clock.now() };
  }

  /** Sets an attribute's raw value (a disk developing errors), for the simulation endpoint. */
  setAttribute(device: string, key: string, value: number): void {
    const a = this.find(device).attributes.find((x) => x.key === key);
    if (!a) throw new HardwareError('DEVICE_NOT_FOUND', `${device} has no attribute ${key}`);
    a.value = value;
  }

  /** Sets a disk's temperature (also its temperature attribute, where it has one). */
  setTemperature(device: string, celsius: number): void {
    const d = this.find(device);
    d.temperatureC = celsius;
    const attr = d.attributes.find((x) => x.key === 'ata.194');
    if (attr) attr.value = celsius;
  }

  /** Unplugs a disk (it is no longer listed) or plugs it back in. */
  setPresent(device: string, present: boolean): void {
    this.anyDisk(device).present = present;
  }
}
