import { HardwareError } from '../../src/lib/errors.js';
import { SysFs } from '../sysfs.js';
import type { CpuFreqState, PowerBackend } from '../types.js';

const CPU_DIR = 'devices/system/cpu';

/**
 * The real power backend: cpufreq in sysfs (`cpuN/cpufreq/scaling_governor`,
 * `scaling_available_governors`, `energy_performance_preference`,
 * `energy_performance_available_preferences`, `scaling_cur_freq`…). Writes go to every CPU, the
 * governor before the EPP (intel_pstate refuses most EPP values under `performance`).
 */
export class CpufreqPowerBackend implements PowerBackend {
  readonly kind = 'real' as const;
  private readonly sys: SysFs;

  constructor(sysRoot: string) {
    this.sys = new SysFs(sysRoot);
  }

  /** True when cpu0 has a cpufreq governor (what `auto` mode asks). */
  static async detect(sysRoot: string): Promise<boolean> {
    return new SysFs(sysRoot).exists(`${CPU_DIR}/cpu0/cpufreq/scaling_governor`);
  }

  private async cpuIds(): Promise<number[]> {
    return (await this.sys.list(CPU_DIR))
      .map((n) => /^cpu(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  async listCpus(): Promise<CpuFreqState[]> {
    const cpus: CpuFreqState[] = [];
    for (const cpu of await this.cpuIds()) {
      const dir = `${CPU_DIR}/cpu${cpu}/cpufreq`;
      cpus.push({
        cpu,
        governor: await this.sys.read(`${dir}/scaling_governor`),
        availableGovernors: await this.sys.readList(`${dir}/scaling_available_governors`),
        epp: await this.sys.read(`${dir}/energy_performance_preference`),
        availableEpp: await this.sys.readList(`${dir}/energy_performance_available_preferences`),
        curKHz: await this.sys.readInt(`${dir}/scaling_cur_freq`),
        minKHz: await this.sys.readInt(`${dir}/scaling_min_freq`),
        maxKHz: await this.sys.readInt(`${dir}/scaling_max_freq`),
      });
    }
    return cpus;
  }

  async apply(settings: { governor?: string; epp?: string }): Promise<void> {
    const cpus = (await this.listCpus()).filter((c) => c.governor !== null);
    if (cpus.length === 0) throw new HardwareError('HW_UNAVAILABLE', `no CPU under ${this.sys.resolve(CPU_DIR)} has cpufreq`);
    for (const c of cpus) {
      if (settings.governor !== undefined && !c.availableGovernors.includes(settings.governor)) {
        throw new HardwareError('VALIDATION', `cpu${c.cpu} does not offer the ${settings.governor} governor (offers: ${c.availableGovernors.join(', ')})`);
      }
      if (settings.epp !== undefined && c.epp !== null && !c.availableEpp.includes(settings.epp)) {
        throw new HardwareError('VALIDATION', `cpu${c.cpu} does not offer the ${settings.epp} energy preference (offers: ${c.availableEpp.join(', ')})`);
      }
    }
    for (const c of cpus) {
      const dir = `${CPU_DIR}/cpu${c.cpu}/cpufreq`;
      if (settings.governor !== undefined && settings.governor !== c.governor) await this.sys.write(`${dir}/scaling_governor`, settings.governor);
      if (settings.epp !== undefined && c.epp !== null && settings.epp !== c.epp) await this.sys.write(`${dir}/energy_performance_preference`, settings.epp);
    }
  }
}
