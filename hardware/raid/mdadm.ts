import { HardwareError } from '../../src/lib/errors.js';
import type { CommandRunner } from '../../src/lib/exec.js';
import { SysFs } from '../sysfs.js';
import type { RaidArray, RaidArrayDetail, RaidBackend, RaidSync } from '../types.js';
import { parseMdadmDetailExport } from './detail.js';
import { mdstatMembers, parseMdstat, type MdstatArray } from './mdstat.js';
import { checkAdd, checkFail, checkRemove, checkReplace, checkScrubStart, checkScrubStop } from './safety.js';

export interface MdadmBackendOptions {
  procRoot: string;
  sysRoot: string;
  /** Path of the mdadm binary (NASD_MDADM). */
  mdadm: string;
  run: CommandRunner;
}

/** Block devices never offered as new members: virtual, optical, md itself, device-mapper. */
const NEVER_CANDIDATE = /^(md|loop|ram|zram|sr|dm-|nbd|fd)/;

/**
 * The real RAID backend: /proc/mdstat for state, sysfs md/* for sync details and member slots,
 * `mdadm --detail --export` for identity, `mdadm --manage` (argv, never a shell) and
 * md/sync_action writes for actions. Every action re-reads the array and runs the safety checks
 * first, so a request can only name arrays and devices this backend listed.
 */
export class MdadmRaidBackend implements RaidBackend {
  readonly kind = 'real' as const;
  private readonly proc: SysFs;
  private readonly sys: SysFs;

  constructor(private readonly options: MdadmBackendOptions) {
    this.proc = new SysFs(options.procRoot);
    this.sys = new SysFs(options.sysRoot);
  }

  /** True when /proc/mdstat exists and lists at least one array (what `auto` mode asks). */
  static async detect(procRoot: string): Promise<boolean> {
    const text = await new SysFs(procRoot).read('mdstat').catch(() => null);
    return text !== null && parseMdstat(text).arrays.length > 0;
  }

  private async mdstat(): Promise<MdstatArray[]> {
    const text = await this.proc.read('mdstat');
    return text === null ? [] : parseMdstat(text).arrays;
  }

  private async present(raw: MdstatArray): Promise<RaidArray> {
    const md = `block/${raw.name}/md`;
    const slots = new Map<string, number | null>();
    for (const m of raw.members) {
      const slot = await this.sys.read(`${md}/dev-${m.device}/slot`);
      if (slot !== null) slots.set(m.device, /^\d+$/.test(slot) ? Number(slot) : null);
    }
    const members = mdstatMembers(raw, slots);
    const sysDegraded = await this.sys.readInt(`${md}/degraded`);
    const syncAction = await this.sys.read(`${md}/sync_action`);
    let sync: RaidSync | null = raw.sync;
    // mdstat prints a user-requested repair as "resync"; sysfs knows better.
    if (sync && sync.action === 'resync' && syncAction === 'repair') sync = { ...sync, action: 'repair' };
    const failed = members.filter((m) => m.role === 'faulty').length;
    const spare = members.filter((m) => m.role === 'spare').length;
    const active = raw.workingDevices ?? members.length - failed - spare;
    return {
      name: raw.name,
      level: raw.level,
      state: raw.state,
      sizeBytes: raw.blocks === null ? null : raw.blocks * 1024,
      degraded: (raw.raidDevices !== null && raw.workingDevices !== null && raw.workingDevices < raw.raidDevices) || (sysDegraded ?? 0) > 0,
      disks: { active, total: members.length, failed, spare },
      members,
      sync,
    };
  }

  async listArrays(): Promise<RaidArray[]> {
    const arrays = await this.mdstat();
    return Promise.all(arrays.map((a) => this.present(a)));
  }

  async getArray(name: string): Promise<RaidArrayDetail> {
    const raw = (await this.mdstat()).find((a) => a.name === name);
    if (!raw) throw new HardwareError('DEVICE_NOT_FOUND', `no md array named ${name}`);
    const array = await this.present(raw);
    const md = `block/${name}/md`;
    const result = await this.options.run(this.options.mdadm, ['--detail', '--export', `/dev/${name}`], { timeoutMs: 15_000 });
    const detail = result.exitCode === 0 ? parseMdadmDetailExport(result.stdout) : null;
    return {
      ...array,
      level: array.level ?? detail?.level ?? null,
      raidDevices: raw.raidDevices ?? detail?.raidDevices ?? null,
      uuid: detail?.uuid ?? null,
      metadata: detail?.metadata ?? null,
      mismatchCount: await this.sys.readInt(`${md}/mismatch_cnt`),
      syncAction: await this.sys.read(`${md}/sync_action`),
    };
  }

  async listCandidates(): Promise<string[]> {
    const inArrays = new Set((await this.mdstat()).flatMap((a) => a.members.map((m) => m.device)));
    const mounts = (await this.proc.read('mounts')) ?? '';
    const swaps = (await this.proc.read('swaps')) ?? '';
    const used = new Set([...`${mounts}\n${swaps}`.matchAll(/^\/dev\/(\S+)/gm)].map((m) => m[1]));
    const names = (await this.sys.list('class/block')).filter((n) => !NEVER_CANDIDATE.test(n));
    const free: string[] = [];
    for (const name of names) {
      if (inArrays.has(name) || used.has(name)) continue;
      if ((await this.sys.list(`class/block/${name}/holders`)).length > 0) continue;
      const isPartition = await this.sys.exists(`class/block/${name}/partition`);
      // A whole disk that carries partitions is never offered: its partitions are.
      if (!isPartition && names.some((other) => other !== name && other.startsWith(name))) continue;
      if ([...used].some((u) => u.startsWith(name) && !isPartition)) continue;
      free.push(name);
    }
    return free;
  }

  private async manage(name: string, args: string[]): Promise<void> {
    const result = await this.options.run(this.options.mdadm, ['--manage', `/dev/${name}`, ...args], { timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      const why = (result.stderr || result.stdout).trim().split('\n').slice(-1)[0] || `exit status ${result.exitCode}`;
      throw new HardwareError('CONFLICT', `mdadm refused: ${why}`);
    }
  }

  async startScrub(name: string): Promise<void> {
    checkScrubStart(await this.getArray(name));
    await this.sys.write(`block/${name}/md/sync_action`, 'check');
  }

  async stopScrub(name: string): Promise<void> {
    checkScrubStop(await this.getArray(name));
    await this.sys.write(`block/${name}/md/sync_action`, 'idle');
  }

  async failMember(name: string, device: string): Promise<void> {
    checkFail(await this.getArray(name), device);
    await this.manage(name, ['--fail', `/dev/${device}`]);
  }

  async removeMember(name: string, device: string): Promise<void> {
    checkRemove(await this.getArray(name), device);
    await this.manage(name, ['--remove', `/dev/${device}`]);
  }

  async addMember(name: string, device: string): Promise<void> {
    checkAdd(await this.getArray(name), device, await this.listCandidates());
    await this.manage(name, ['--add', `/dev/${device}`]);
  }

  async replaceMember(name: string, oldDevice: string, device: string): Promise<void> {
    checkReplace(await this.getArray(name), oldDevice, device, await this.listCandidates());
    await this.manage(name, ['--add-spare', `/dev/${device}`]);
    await this.manage(name, ['--replace', `/dev/${oldDevice}`, '--with', `/dev/${device}`]);
  }
}
