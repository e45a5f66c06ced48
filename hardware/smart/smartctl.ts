import { HardwareError } from '../../src/lib/errors.js';
import type { CommandRunner } from '../../src/lib/exec.js';
import type { SelfTestKind, SmartBackend, SmartDisk } from '../types.js';
import { deviceName, parseScan, parseSmartctl, unreadableDisk, type ScannedDevice } from './parse.js';

export interface SmartctlBackendOptions {
  /** Path of smartctl (NASD_SMARTCTL); may be a script printing recorded output. */
  smartctl: string;
  run: CommandRunner;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HardwareError('HW_UNAVAILABLE', `${what} did not print JSON (smartmontools 7.0 or newer is needed)`, { cause: err });
  }
}

/** smartctl's own messages from its JSON, or none when it printed something else. */
function messagesOf(stdout: string): string[] {
  let json: { smartctl?: { messages?: { string?: unknown }[] } };
  try {
    json = JSON.parse(stdout) as typeof json;
  } catch {
    return [];
  }
  return (json.smartctl?.messages ?? []).map((m) => String(m.string ?? '')).filter(Boolean);
}

/**
 * The real SMART backend over smartctl's JSON output. Disks are read with `-n standby` so a
 * sleeping disk is never spun up by a status page. Devices in requests are matched against the
 * scan's own list, so nothing but a scanned /dev path ever reaches smartctl's argv.
 */
export class SmartctlBackend implements SmartBackend {
  readonly kind = 'real' as const;

  constructor(private readonly options: SmartctlBackendOptions) {}

  /** True when smartctl runs and its scan finds at least one disk (what `auto` mode asks). */
  static async detect(smartctl: string, run: CommandRunner): Promise<boolean> {
    try {
      const result = await run(smartctl, ['--scan-open', '-j'], { timeoutMs: 15_000 });
      return parseScan(JSON.parse(result.stdout)).length > 0;
    } catch {
      return false;
    }
  }

  private async scan(): Promise<ScannedDevice[]> {
    const result = await this.options.run(this.options.smartctl, ['--scan-open', '-j'], { timeoutMs: 30_000 });
    return parseScan(parseJson(result.stdout, 'smartctl --scan-open -j'));
  }

  private async find(device: string): Promise<ScannedDevice> {
    const scanned = await this.scan();
    const found = scanned.find((d) => deviceName(d.path) === device);
    if (!found) {
      const names = scanned.map((d) => deviceName(d.path)).join(', ') || 'none';
      throw new HardwareError('DEVICE_NOT_FOUND', `no disk named ${device} (disks: ${names})`);
    }
    return found;
  }

  private async read(d: ScannedDevice): Promise<SmartDisk> {
    if (d.openError) {
      const unsupported = /usb bridge|unsupported|unable to detect/i.test(d.openError);
      return unreadableDisk(d.path, d.type, d.protocol, unsupported ? 'unsupported' : 'error', [d.openError]);
    }
    const result = await this.options.run(this.options.smartctl, ['-a', '-j', '-n', 'standby', '-d', d.type, d.path], { timeoutMs: 60_000 });
    let json: unknown;
    try {
      json = JSON.parse(result.stdout);
    } catch {
      return unreadableDisk(d.path, d.type, d.protocol, 'error', [`smartctl printed no JSON (exit status ${result.exitCode})`]);
    }
    return parseSmartctl(json, d.path, d.type);
  }

  async listDisks(): Promise<SmartDisk[]> {
    const scanned = await this.scan();
    const disks: SmartDisk[] = [];
    for (const d of scanned) disks.push(await this.read(d));
    return disks;
  }

  async getDisk(device: string): Promise<SmartDisk> {
    return this.read(await this.find(device));
  }

  async startSelfTest(device: string, kind: SelfTestKind): Promise<void> {
    const d = await this.find(device);
    const disk = await this.read(d);
    if (disk.availability === 'unsupported') throw new HardwareError('UNSUPPORTED', `${device} has no SMART support; it cannot run a self-test`);
    if (disk.selfTestRunning) throw new HardwareError('DEVICE_BUSY', `${device} is already running a self-test`);
    const result = await this.options.run(this.options.smartctl, ['-j', '-t', kind, '-d', d.type, d.path], { timeoutMs: 60_000 });
    if (result.exitCode & 0x07) {
      const why = messagesOf(result.stdout).join('; ') || `exit status ${result.exitCode}`;
      throw new HardwareError('CONFLICT', `${device} refused the ${kind} self-test: ${why}`);
    }
  }
}
