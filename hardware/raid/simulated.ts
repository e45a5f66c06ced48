import { HardwareError } from '../../src/lib/errors.js';
import type { Clock, RaidArray, RaidArrayDetail, RaidBackend, RaidMember, RaidSyncAction } from '../types.js';
import { checkAdd, checkFail, checkRemove, checkReplace, checkScrubStart, checkScrubStop, findMember } from './safety.js';

type MemberState = 'in_sync' | 'recovering' | 'spare' | 'faulty';

interface SimMember {
  device: string;
  slot: number | null;
  state: MemberState;
  /** For a `replace`: the member this one takes over from. */
  replacing?: string;
}

interface SimOperation {
  action: RaidSyncAction;
  startedAt: number;
  totalKiB: number;
  speedKiBs: number;
}

/** 5 GB per virtual disk, in 1 KiB blocks as mdstat counts them. */
const DISK_KIB = Math.floor(5e9 / 1024);
/** Rebuild and scrub speeds of the simulation (KiB/s): a 5 GB rebuild takes about 50 s of simulated time. */
const RECOVERY_KIBS = 100 * 1024;
const CHECK_KIBS = 150 * 1024;
/** Sectors the simulated mirror disagrees on (as if after an unclean shutdown); a check reports them. */
const LATENT_MISMATCHES = 128;

/**
 * A simulated RAID1 `md0` on two 5 GB virtual disks (`vda`, `vdb`), with two free disks (`vdc`,
 * `vdd`) to add. Time comes from the injected clock: operations finish when the clock has moved
 * far enough, so a test drives fail → degraded → add → recovery → clean and scrub → mismatch count
 * exactly. The same safety rules as the real backend apply.
 */
export class SimulatedRaidBackend implements RaidBackend {
  readonly kind = 'simulated' as const;
  private members: SimMember[] = [
    { device: 'vda', slot: 0, state: 'in_sync' },
    { device: 'vdb', slot: 1, state: 'in_sync' },
  ];
  private free = ['vdc', 'vdd'];
  private op: SimOperation | null = null;
  private mismatchCount = 0;
  private lastAction = 'idle';

  constructor(private readonly clock: Clock) {}

  /** Finishes the running operation if the clock says it is done. */
  private settle(): void {
    const op = this.op;
    if (!op || this.clock.now() < op.startedAt + (op.totalKiB / op.speedKiBs) * 1000) return;
    this.op = null;
    this.lastAction = 'idle';
    if (op.action === 'check') {
      this.mismatchCount = LATENT_MISMATCHES;
      return;
    }
    for (const m of this.members.filter((x) => x.state === 'recovering')) {
      const old = m.replacing ? this.members.find((x) => x.device === m.replacing) : undefined;
      if (old) {
        m.slot = old.slot;
        old.state = 'faulty';
        old.slot = null;
      }
      m.state = 'in_sync';
      delete m.replacing;
    }
  }

  private start(action: RaidSyncAction, speedKiBs: number): void {
    this.op = { action, startedAt: this.clock.now(), totalKiB: DISK_KIB, speedKiBs };
    this.lastAction = action === 'recovery' ? 'recover' : action;
  }

  private missingSlot(): number | null {
    for (const slot of [0, 1]) {
      if (!this.members.some((m) => m.slot === slot && (m.state === 'in_sync' || m.state === 'recovering') && !m.replacing)) return slot;
    }
    return null;
  }

  /** Starts recovery onto a spare when a slot is empty (what the kernel does by itself). */
  private useSpare(): void {
    const slot = this.missingSlot();
    const spare = this.members.find((m) => m.state === 'spare');
    if (slot === null || !spare || this.op?.action === 'recovery') return;
    spare.state = 'recovering';
    spare.slot = slot;
    this.start('recovery', RECOVERY_KIBS);
  }

  private snapshot(): RaidArrayDetail {
    this.settle();
    const inSync = this.members.filter((m) => m.state === 'in_sync').length;
    const members: RaidMember[] = this.members.map((m) => ({
      device: m.device,
      slot: m.state === 'in_sync' || m.state === 'recovering' ? m.slot : null,
      role: m.state === 'faulty' ? 'faulty' : m.state === 'spare' ? 'spare' : 'active',
    }));
    const op = this.op;
    let sync: RaidArray['sync'] = null;
    if (op) {
      const doneKiB = Math.min(op.totalKiB, ((this.clock.now() - op.startedAt) / 1000) * op.speedKiBs);
      sync = {
        action: op.action,
        percent: Math.floor((doneKiB / op.totalKiB) * 1000) / 10,
        speedKiBs: op.speedKiBs,
        finishMinutes: Math.round(((op.totalKiB - doneKiB) / op.speedKiBs / 60) * 10) / 10,
        status: 'running',
      };
    }
    return {
      name: 'md0',
      level: 'raid1',
      state: 'active',
      sizeBytes: DISK_KIB * 1024,
      degraded: inSync < 2,
      disks: {
        active: inSync,
        total: members.length,
        failed: members.filter((m) => m.role === 'faulty').length,
        spare: members.filter((m) => m.role === 'spare').length,
      },
      members: members.sort((a, b) => (a.slot ?? 9) - (b.slot ?? 9) || a.device.localeCompare(b.device)),
      sync,
      raidDevices: 2,
      uuid: '5f1c2a3b:7d4e8f90:a1b2c3d4:e5f60718',
      metadata: '1.2',
      mismatchCount: this.mismatchCount,
      syncAction: this.lastAction,
    };
  }

  private array(name: string): RaidArrayDetail {
    if (name !== 'md0') throw new HardwareError('DEVICE_NOT_FOUND', `no md array named ${name}`);
    return this.snapshot();
  }

  async listArrays(): Promise<RaidArray[]> {
    const { raidDevices: _r, uuid: _u, metadata: _m, mismatchCount: _c, syncAction: _s, ...array } = this.snapshot();
    return [array];
  }

  async getArray(name: string): Promise<RaidArrayDetail> {
    return this.array(name);
  }

  async listCandidates(): Promise<string[]> {
    return [...this.free];
  }

  async startScrub(name: string): Promise<void> {
    checkScrubStart(this.array(name));
    this.mismatchCount = 0;
    this.start('check', CHECK_KIBS);
  }

  async stopScrub(name: string): Promise<void> {
    checkScrubStop(this.array(name));
    this.op = null;
    this.lastAction = 'idle';
  }

  async failMember(name: string, device: string): Promise<void> {
    checkFail(this.array(name), device);
    this.fail(device);
  }

  /** Marks a member faulty without the safety checks (a disk dying by itself); aborts a scrub, uses a spare. */
  fail(device: string): void {
    findMember(this.array('md0'), device);
    const member = this.members.find((m) => m.device === device) as SimMember;
    const wasRecovering = member.state === 'recovering';
    member.state = 'faulty';
    member.slot = null;
    if (this.op?.action === 'check' || wasRecovering) this.op = null;
    this.lastAction = 'idle';
    this.useSpare();
  }

  async removeMember(name: string, device: string): Promise<void> {
    checkRemove(this.array(name), device);
    this.members = this.members.filter((m) => m.device !== device);
    this.free.push(device);
    this.free.sort();
  }

  async addMember(name: string, device: string): Promise<void> {
    checkAdd(this.array(name), device, this.free);
    this.free = this.free.filter((d) => d !== device);
    this.members.push({ device, slot: null, state: 'spare' });
    this.useSpare();
  }

  async replaceMember(name: string, oldDevice: string, device: string): Promise<void> {
    checkReplace(this.array(name), oldDevice, device, this.free);
    this.free = this.free.filter((d) => d !== device);
    const old = this.members.find((m) => m.device === oldDevice) as SimMember;
    this.members.push({ device, slot: old.slot, state: 'recovering', replacing: oldDevice });
    this.start('recovery', RECOVERY_KIBS);
  }
}
