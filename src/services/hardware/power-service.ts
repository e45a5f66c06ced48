import { audited, type AuditLog } from '../../audit/index.js';
import type { RequestActor } from '../../lib/request-actor.js';
import { HardwareError } from '../../lib/errors.js';
import { currentProfile, POWER_PROFILES, profileSettings, type BackendKind, type CpuFreqState, type PowerBackend, type PowerProfile } from '../../../hardware/index.js';

/** A profile as it would apply to this machine's CPUs. */
export interface PowerProfileOption {
  name: PowerProfile;
  governor: string | null;
  epp: string | null;
  available: boolean;
}

/** CPU power profiles over the power backend; applying one is audited. */
export class PowerService {
  constructor(
    private readonly backend: PowerBackend,
    private readonly audit: AuditLog,
  ) {}

  get kind(): BackendKind {
    return this.backend.kind;
  }

  /**
   * The active profile, each CPU's state, and every profile with the governor and EPP it would
   * set on these CPUs (`available: false` when they offer no governor for it), so a client can
   * say what a switch does before it is made.
   */
  async status(): Promise<{ backend: BackendKind; profile: PowerProfile | 'custom'; cpus: CpuFreqState[]; profiles: PowerProfileOption[] }> {
    const cpus = await this.backend.listCpus();
    const cpu = cpus.find((c) => c.governor !== null);
    const profiles = POWER_PROFILES.map((name) => {
      const s = cpu ? profileSettings(name, cpu) : {};
      return { name, governor: s.governor ?? null, epp: s.epp ?? null, available: s.governor !== undefined };
    });
    return { backend: this.backend.kind, profile: currentProfile(cpus), cpus, profiles };
  }

  /** Applies a profile to every CPU: the governor (and EPP where offered) it resolves to. */
  setProfile(actor: RequestActor, profile: PowerProfile): Promise<{ governor?: string; epp?: string }> {
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
