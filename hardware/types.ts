/**
 * The hardware contract: value types and one backend interface per area. Services code against
 * these and never know whether a backend is real (mdadm, smartctl, sysfs) or simulated.
 */

export type BackendKind = 'real' | 'simulated';
export type HardwareArea = 'raid' | 'smart' | 'power' | 'fans' | 'system';

/** Milliseconds since the epoch; simulated backends take one they can be driven by. */
export interface Clock {
  now(): number;
}

// ---------------------------------------------------------------- RAID

export type RaidSyncAction = 'resync' | 'recovery' | 'check' | 'repair' | 'reshape';
export type RaidSyncStatus = 'running' | 'delayed' | 'pending';
export type RaidMemberRole = 'active' | 'spare' | 'faulty';

export interface RaidSync {
  action: RaidSyncAction;
  /** 0–100, one decimal as the kernel prints it; null while delayed/pending. */
  percent: number | null;
  speedKiBs: number | null;
  finishMinutes: number | null;
  status: RaidSyncStatus;
}

export interface RaidMember {
  /** Kernel name without /dev/ (`sda1`). */
  device: string;
  /** Role slot in the array (sysfs md/dev-X/slot), else the descriptor number from /proc/mdstat; null for spares/faulty without one. */
  slot: number | null;
  role: RaidMemberRole;
}

/** One md array as /proc/mdstat and sysfs describe it (the API's `GET /api/raid/arrays` element). */
export interface RaidArray {
  name: string;
  /** `raid1`, `raid5`…; null for an inactive array whose personality is not loaded yet. */
  level: string | null;
  /** The kernel's own words: `active`, `inactive`, `active (auto-read-only)`… */
  state: string;
  sizeBytes: number | null;
  degraded: boolean;
  /** mdadm --detail semantics: active = in-sync members, total = members present, failed = (F), spare = (S). */
  disks: { active: number; total: number; failed: number; spare: number };
  members: RaidMember[];
  sync: RaidSync | null;
}

/** Extra facts for one array (mdadm --detail --export and sysfs). */
export interface RaidArrayDetail extends RaidArray {
  /** Slots the array is built for (`[n/m]`'s n). */
  raidDevices: number | null;
  uuid: string | null;
  metadata: string | null;
  /** md/mismatch_cnt after the last check, in sectors. */
  mismatchCount: number | null;
  /** md/sync_action as sysfs says it (`idle`, `check`, `recover`…). */
  syncAction: string | null;
}

export interface RaidBackend {
  readonly kind: BackendKind;
  listArrays(): Promise<RaidArray[]>;
  getArray(name: string): Promise<RaidArrayDetail>;
  /** Block devices that could be added to an array: not a member of one, not mounted, no holders. */
  listCandidates(): Promise<string[]>;
  startScrub(name: string): Promise<void>;
  stopScrub(name: string): Promise<void>;
  failMember(name: string, device: string): Promise<void>;
  removeMember(name: string, device: string): Promise<void>;
  /** Adds `device` as a spare (an array missing a member starts recovering onto it). */
  addMember(name: string, device: string): Promise<void>;
  /** Rebuilds onto `device` while `oldDevice` keeps serving, then marks `oldDevice` faulty (mdadm --replace). */
  replaceMember(name: string, oldDevice: string, device: string): Promise<void>;
}

// ---------------------------------------------------------------- SMART

export type SmartProtocol = 'ata' | 'nvme' | 'scsi';
export type SmartVerdict = 'ok' | 'warning' | 'failing' | 'unknown';
/** Whether the disk answered: asleep disks are not woken, bridges without SMART are not errors. */
export type SmartAvailability = 'available' | 'standby' | 'unsupported' | 'error';

/** One value that predicts failure and crossed a threshold. `key` names the attribute (see SmartAttribute.key). */
export interface SmartFinding {
  key: string;
  severity: 'warning' | 'failing';
  message: string;
  value: number;
}

/** A SMART value with a stable key for history charts: `ata.5`, `nvme.media_errors`, `scsi.grown_defects`. */
export interface SmartAttribute {
  key: string;
  name: string;
  /** The raw count or measurement. */
  value: number;
  /** ATA normalized value/worst/threshold where the protocol has them. */
  normalized?: number;
  worst?: number;
  threshold?: number;
  whenFailed?: string;
}

export interface SmartSelfTest {
  type: string;
  status: string;
  passed: boolean | null;
  lifetimeHours: number | null;
}

export interface SmartDisk {
  /** Kernel name without /dev/ (`sda`, `nvme0`). */
  device: string;
  /** smartctl -d type from the scan (`sat`, `nvme`, `scsi`), passed back when the disk is read again. */
  type: string;
  model: string | null;
  serial: string | null;
  protocol: SmartProtocol;
  availability: SmartAvailability;
  /** Verdict before acknowledgements are applied. */
  verdict: SmartVerdict;
  findings: SmartFinding[];
  /** Why the verdict is unknown (unsupported, asleep, tool error). */
  notes: string[];
  temperatureC: number | null;
  powerOnHours: number | null;
  capacityBytes: number | null;
  attributes: SmartAttribute[];
  selfTests: SmartSelfTest[];
  /** A self-test running now: its type and percent remaining when known. */
  selfTestRunning: { type: string; remainingPercent: number | null } | null;
}

export type SelfTestKind = 'short' | 'long';

export interface SmartBackend {
  readonly kind: BackendKind;
  listDisks(): Promise<SmartDisk[]>;
  getDisk(device: string): Promise<SmartDisk>;
  startSelfTest(device: string, kind: SelfTestKind): Promise<void>;
}

// ---------------------------------------------------------------- power

export type PowerProfile = 'power-saving' | 'balanced' | 'performance';

export interface CpuFreqState {
  cpu: number;
  governor: string | null;
  availableGovernors: string[];
  /** energy_performance_preference (intel_pstate / amd-pstate only). */
  epp: string | null;
  availableEpp: string[];
  curKHz: number | null;
  minKHz: number | null;
  maxKHz: number | null;
}

export interface PowerBackend {
  readonly kind: BackendKind;
  listCpus(): Promise<CpuFreqState[]>;
  /** Writes governor and/or EPP on every CPU that offers them; validated against the available lists. */
  apply(settings: { governor?: string; epp?: string }): Promise<void>;
}

// ---------------------------------------------------------------- fans

export interface TempSensor {
  id: string;
  label: string;
  /** null when the read failed; then `error` says why. */
  celsius: number | null;
  /** When this value was measured (ms); the control loop calls older readings stale. */
  readAt: number;
  error?: string;
}

export interface FanState {
  id: string;
  label: string;
  rpm: number | null;
  /** 0–255 as hwmon pwmN; null when the fan has no PWM control. */
  pwm: number | null;
  /** hwmon pwmN_enable: 0 full speed, 1 manual, 2+ chip automatic. */
  mode: number | null;
  controllable: boolean;
}

export interface FanBackend {
  readonly kind: BackendKind;
  listFans(): Promise<FanState[]>;
  listSensors(): Promise<TempSensor[]>;
  readSensor(id: string): Promise<TempSensor>;
  /** pwmN_enable; 1 = manual (nasd drives pwmN). */
  setMode(fanId: string, mode: number): Promise<void>;
  setPwm(fanId: string, pwm: number): Promise<void>;
}

// ---------------------------------------------------------------- system

export interface FilesystemUsage {
  mount: string;
  fs: string;
  type: string;
  sizeBytes: number;
  usedBytes: number;
}

/** One telemetry sample. Rates are null until two samples exist (systeminformation's first call). */
export interface SystemSample {
  at: number;
  cpuLoadPercent: number | null;
  memUsedBytes: number | null;
  memTotalBytes: number | null;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  netRxBps: number | null;
  netTxBps: number | null;
  fsUsedBytes: number | null;
  fsSizeBytes: number | null;
  filesystems: FilesystemUsage[];
}

export interface SystemBackend {
  readonly kind: BackendKind;
  sample(): Promise<SystemSample>;
}

// ---------------------------------------------------------------- simulation

/** Knobs of the simulated backends, reachable only when at least one area is simulated. */
export interface HardwareSimulator {
  readonly clock: Clock;
  /** Moves the simulated clock forward; rebuilds, scrubs, self-tests and temperatures progress. */
  advance(ms: number): void;
  /** A member of a simulated array fails by itself (as a dying disk would). */
  failRaidMember(array: string, device: string): void;
  /** CPU load 0–1 that the thermal model and the system sample follow. */
  setLoad(load: number): void;
  /** Makes a simulated temperature sensor fail to read or stop updating; `ok` heals it. */
  setSensorFault(sensorId: string, fault: 'error' | 'stale' | 'ok'): void;
  /** Sets a simulated disk's SMART attribute (raw value), e.g. a CRC count that grows. */
  setSmartAttribute(device: string, attribute: string, value: number): void;
  /** Sets a simulated disk's temperature. */
  setDiskTemperature(device: string, celsius: number): void;
  /** Unplugs a simulated disk (`false`: it disappears from the listing) or plugs it back in. */
  setDiskPresent(device: string, present: boolean): void;
  /** Sets how full the simulated data filesystem is (percent). */
  setFilesystemUsedPercent(percent: number): void;
}

/** Every area's backend, and which kind each is. */
export interface Hardware {
  readonly raid: RaidBackend;
  readonly smart: SmartBackend;
  readonly power: PowerBackend;
  readonly fans: FanBackend;
  readonly system: SystemBackend;
  readonly backends: Record<HardwareArea, BackendKind>;
  /** Present when any area is simulated. */
  readonly simulator: HardwareSimulator | null;
}

/** The `hardware` section of the config, restated so hardware/ does not import src/config. */
export interface HardwareOptions {
  mode: 'auto' | 'real' | 'simulated';
  raid?: 'auto' | 'real' | 'simulated';
  smart?: 'auto' | 'real' | 'simulated';
  power?: 'auto' | 'real' | 'simulated';
  fans?: 'auto' | 'real' | 'simulated';
  system?: 'auto' | 'real' | 'simulated';
  procRoot: string;
  sysRoot: string;
  smartctl: string;
  mdadm: string;
  /** `manual`: simulated time moves only through HardwareSimulator.advance (tests). */
  simulatedClock?: 'realtime' | 'manual';
}
