import type { AuditLog } from '../../audit/index.js';
import { HardwareError } from '../../lib/errors.js';
import { currentProfile, profileSettings, type BackendKind, type CpuFreqState, type PowerBackend, type PowerProfile } from '../../../hardware/index.js';
import { audited, type HardwareActor } from './audited.js';

/** CPU power profiles over the power backend; applying one is audited. */
export class PowerService {
  constructor(
    private readonly backend: PowerBackend,
    private readonly audit: AuditLog,
  ) {}

  get kind(): BackendKind {
    return this.backend.kind;
  }

  async status(): Promise<{ backend: BackendKind; profile: PowerProfile | 'custom'; cpus: CpuFreqState[] }> {
    const cpus = await this.backend.listCpus();
    return { backend: this.backend.kind, profile: currentProfile(cpus), cpus };
  }

  /** Applies a profile to every CPU: the governor (and EPP where offered) it resolves to. */
  setProfile(actor: HardwareActor, profile: PowerProfile): Promise<{ governor?: string; epp?: string }> {
    return audited(this.audit, actor, 'power.profile.set', profile, { profile }, async () => {
      const cpu = (await this.backend.listCpus()).find((c) => c.governor !== null);
      if (!cpu) throw new HardwareError('HW_UNAVAILABLE', 'no CPU offers frequency scaling (cpufreq)');
      const settings = profileSettings(profile, cpu);
      if (!settings.governor) throw new HardwareError('UNSUPPORTED', `the CPUs offer no governor for the ${profile} profile (offer: ${cpu.availableGovernors.join(', ')})`);
      await this.backend.apply(settings);
      return settings;
    });
  }
}
