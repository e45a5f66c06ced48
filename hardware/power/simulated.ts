import { HardwareError } from '../../src/lib/errors.js';
import type { CpuFreqState, PowerBackend } from '../types.js';

const GOVERNORS = ['conservative', 'ondemand', 'userspace', 'powersave', 'performance', 'schedutil'];
const EPP = ['default', 'performance', 'balance_performance', 'balance_power', 'power'];
const MIN_KHZ = 800_000;
const MAX_KHZ = 3_600_000;

/**
 * Four simulated CPUs with acpi-cpufreq-like governors plus an EPP. The current frequency
 * follows the governor and the simulated load (`load()` 0–1, shared with the thermal model).
 */
export class SimulatedPowerBackend implements PowerBackend {
  readonly kind = 'simulated' as const;
  private governor = 'schedutil';
  private epp = 'balance_performance';

  constructor(private readonly load: () => number) {}

  private freq(): number {
    if (this.governor === 'performance') return MAX_KHZ;
    if (this.governor === 'powersave') return MIN_KHZ;
    const boost = this.epp === 'power' ? 0.5 : this.epp === 'performance' ? 1 : 0.8;
    return Math.round((MIN_KHZ + (MAX_KHZ - MIN_KHZ) * Math.min(1, this.load() * boost + 0.05)) / 1000) * 1000;
  }

  async listCpus(): Promise<CpuFreqState[]> {
    return [0, 1, 2, 3].map((cpu) => ({
      cpu, governor: this.governor, availableGovernors: [...GOVERNORS], epp: this.epp, availableEpp: [...EPP],
      curKHz: this.freq(), minKHz: MIN_KHZ, maxKHz: MAX_KHZ,
    }));
  }

  async apply(settings: { governor?: string; epp?: string }): Promise<void> {
    if (settings.governor !== undefined && !GOVERNORS.includes(settings.governor)) {
      throw new HardwareError('VALIDATION', `the CPUs do not offer the ${settings.governor} governor (offers: ${GOVERNORS.join(', ')})`);
    }
    if (settings.epp !== undefined && !EPP.includes(settings.epp)) {
      throw new HardwareError('VALIDATION', `the CPUs do not offer the ${settings.epp} energy preference (offers: ${EPP.join(', ')})`);
    }
    this.governor = settings.governor ?? this.governor;
    this.epp = settings.epp ?? this.epp;
  }
}
