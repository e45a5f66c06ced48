import { HardwareError } from '../../src/lib/errors.js';
import { SysFs } from '../sysfs.js';
import type { FanBackend, FanState, TempSensor } from '../types.js';

const HWMON = 'class/hwmon';

interface Chip {
  /** Directory under class/hwmon (`hwmon2`). */
  dir: string;
  /** Stable id used in fan and sensor ids: the chip name, or name + directory when two chips share a name. */
  id: string;
  files: string[];
}

/**
 * The real fan backend over hwmon sysfs: `name`, `pwmN` (0–255), `pwmN_enable` (0 full, 1 manual,
 * 2+ automatic), `fanN_input` (RPM), `fanN_label`, `tempN_input` (millidegrees) and `tempN_label`.
 * Fan ids are `<chip>.pwmN` (or `<chip>.fanN` for a fan without PWM), sensor ids `<chip>.tempN`;
 * ids from requests are resolved against this listing only.
 */
export class HwmonFanBackend implements FanBackend {
  readonly kind = 'real' as const;
  private readonly sys: SysFs;

  constructor(sysRoot: string, private readonly now: () => number = Date.now) {
    this.sys = new SysFs(sysRoot);
  }

  /** True when some hwmon chip has a PWM output (what `auto` mode asks). */
  static async detect(sysRoot: string): Promise<boolean> {
    const sys = new SysFs(sysRoot);
    for (const dir of await sys.list(HWMON)) {
      if ((await sys.list(`${HWMON}/${dir}`)).some((f) => /^pwm\d+$/.test(f))) return true;
    }
    return false;
  }

  private async chips(): Promise<Chip[]> {
    const raw: { dir: string; name: string; files: string[] }[] = [];
    for (const dir of await this.sys.list(HWMON)) {
      const name = ((await this.sys.read(`${HWMON}/${dir}/name`)) ?? dir).replace(/[^A-Za-z0-9_-]/g, '_');
      raw.push({ dir, name, files: await this.sys.list(`${HWMON}/${dir}`) });
    }
    return raw.map((c) => ({ dir: c.dir, files: c.files, id: raw.filter((o) => o.name === c.name).length > 1 ? `${c.name}-${c.dir}` : c.name }));
  }

  private async resolve(id: string, kind: 'pwm' | 'fan' | 'temp'): Promise<{ chip: Chip; n: number }> {
    const m = /^([A-Za-z0-9_-]+)\.(pwm|fan|temp)(\d+)$/.exec(id);
    const chip = m ? (await this.chips()).find((c) => c.id === m[1]) : undefined;
    const file = m ? `${m[2]}${m[3]}${m[2] === 'temp' || m[2] === 'fan' ? '_input' : ''}` : '';
    if (!m || !chip || m[2] !== kind || !chip.files.includes(file)) {
      throw new HardwareError('DEVICE_NOT_FOUND', `no ${kind === 'temp' ? 'temperature sensor' : 'controllable fan'} named ${id}`);
    }
    return { chip, n: Number(m[3]) };
  }

  async listFans(): Promise<FanState[]> {
    const fans: FanState[] = [];
    for (const chip of await this.chips()) {
      const base = `${HWMON}/${chip.dir}`;
      const pwms = chip.files.map((f) => /^pwm(\d+)$/.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
      const tachs = chip.files.map((f) => /^fan(\d+)_input$/.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
      for (const n of [...new Set([...pwms, ...tachs])].sort((a, b) => a - b)) {
        const hasPwm = pwms.includes(n);
        fans.push({
          id: `${chip.id}.${hasPwm ? 'pwm' : 'fan'}${n}`,
          label: (await this.sys.read(`${base}/fan${n}_label`)) ?? `${chip.id} fan ${n}`,
          rpm: tachs.includes(n) ? await this.sys.readInt(`${base}/fan${n}_input`) : null,
          pwm: hasPwm ? await this.sys.readInt(`${base}/pwm${n}`) : null,
          mode: hasPwm ? await this.sys.readInt(`${base}/pwm${n}_enable`) : null,
          controllable: hasPwm && chip.files.includes(`pwm${n}_enable`),
        });
      }
    }
    return fans;
  }

  async listSensors(): Promise<TempSensor[]> {
    const sensors: TempSensor[] = [];
    for (const chip of await this.chips()) {
      for (const f of chip.files) {
        const m = /^temp(\d+)_input$/.exec(f);
        if (m) sensors.push(await this.readSensor(`${chip.id}.temp${m[1]}`));
      }
    }
    return sensors.sort((a, b) => a.id.localeCompare(b.id));
  }

  async readSensor(id: string): Promise<TempSensor> {
    const { chip, n } = await this.resolve(id, 'temp');
    const base = `${HWMON}/${chip.dir}`;
    const label = (await this.sys.read(`${base}/temp${n}_label`)) ?? `${chip.id} temp ${n}`;
    const readAt = this.now();
    try {
      const milli = await this.sys.readInt(`${base}/temp${n}_input`);
      if (milli === null) return { id, label, celsius: null, readAt, error: 'no numeric reading' };
      return { id, label, celsius: milli / 1000, readAt };
    } catch (err) {
      return { id, label, celsius: null, readAt, error: (err as Error).message };
    }
  }

  async setMode(fanId: string, mode: number): Promise<void> {
    const { chip, n } = await this.resolve(fanId, 'pwm');
    if (!Number.isInteger(mode) || mode < 0 || mode > 5) throw new HardwareError('VALIDATION', `pwm mode must be 0–5, got ${mode}`);
    await this.sys.write(`${HWMON}/${chip.dir}/pwm${n}_enable`, String(mode));
  }

  async setPwm(fanId: string, pwm: number): Promise<void> {
    const { chip, n } = await this.resolve(fanId, 'pwm');
    if (!Number.isInteger(pwm) || pwm < 0 || pwm > 255) throw new HardwareError('VALIDATION', `pwm must be 0–255, got ${pwm}`);
    await this.sys.write(`${HWMON}/${chip.dir}/pwm${n}`, String(pwm));
  }
}
