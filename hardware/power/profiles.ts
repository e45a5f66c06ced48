import type { CpuFreqState, PowerProfile } from '../types.js';

export const POWER_PROFILES: readonly PowerProfile[] = ['power-saving', 'balanced', 'performance'];

/**
 * What each profile asks of cpufreq, in order of preference: the first governor/EPP the CPU
 * offers wins. intel_pstate and amd-pstate (active mode) offer only `performance` and
 * `powersave` and steer with the energy-performance preference instead, which is why
 * `balanced` falls back to `powersave` + `balance_performance` there.
 */
const WANTS: Record<PowerProfile, { governors: string[]; epp: string[] }> = {
  'power-saving': { governors: ['powersave', 'conservative'], epp: ['power', 'balance_power'] },
  balanced: { governors: ['schedutil', 'ondemand', 'powersave'], epp: ['balance_performance', 'default'] },
  performance: { governors: ['performance'], epp: ['performance'] },
};

/** The governor and EPP a profile resolves to on a CPU offering `cpu`'s lists (undefined = leave as is). */
export function profileSettings(profile: PowerProfile, cpu: CpuFreqState): { governor?: string; epp?: string } {
  const want = WANTS[profile];
  return {
    governor: want.governors.find((g) => cpu.availableGovernors.includes(g)),
    epp: want.epp.find((e) => cpu.availableEpp.includes(e)),
  };
}

/** The profile every CPU is set to, or `custom` when they differ from all profiles (or from each other). */
export function currentProfile(cpus: CpuFreqState[]): PowerProfile | 'custom' {
  const withFreq = cpus.filter((c) => c.governor !== null);
  if (withFreq.length === 0) return 'custom';
  for (const profile of POWER_PROFILES) {
    const matches = withFreq.every((c) => {
      const s = profileSettings(profile, c);
      return s.governor === c.governor && (s.epp === undefined || c.epp === null || s.epp === c.epp);
    });
    if (matches) return profile;
  }
  return 'custom';
}
