import { HardwareError } from '../src/lib/errors.js';
import { runCommand, type CommandRunner } from '../src/lib/exec.js';
import { HwmonFanBackend } from './fans/hwmon.js';
import { SimulatedFanBackend, ThermalModel } from './fans/simulated.js';
import { CpufreqPowerBackend } from './power/cpufreq.js';
import { SimulatedPowerBackend } from './power/simulated.js';
import { MdadmRaidBackend } from './raid/mdadm.js';
import { SimulatedRaidBackend } from './raid/simulated.js';
import { SimClock } from './sim-clock.js';
import { SmartctlBackend } from './smart/smartctl.js';
import { SimulatedSmartBackend } from './smart/simulated.js';
import { SimulatedSystemBackend } from './system/simulated.js';
import type { BackendKind, Hardware, HardwareArea, HardwareOptions, HardwareSimulator, SystemBackend } from './types.js';

export type * from './types.js';
export { POWER_PROFILES, currentProfile, profileSettings } from './power/profiles.js';
export { dutyToPwm, nextDuty, pwmToDuty, type CurveState, type FanCurve } from './fans/curve.js';
export { applyAcknowledgements, escalateGrowth, verdictOf, GROWTH_TRACKED, SMART_THRESHOLDS, type SmartAcknowledgement } from './smart/verdict.js';

export interface HardwareDeps {
  /** Runs smartctl and mdadm; tests pass a fake. Defaults to src/lib/exec.ts. */
  run?: CommandRunner;
  /** The real system sampler (systeminformation lives outside hardware/, injected by main.ts). */
  realSystem?: () => SystemBackend;
}

const AREAS: HardwareArea[] = ['raid', 'smart', 'power', 'fans', 'system'];

/** The knobs of whatever is simulated; a knob for a real area refuses. */
class Simulation implements HardwareSimulator {
  constructor(
    readonly clock: SimClock,
    private readonly thermal: ThermalModel,
    private readonly raid: SimulatedRaidBackend | null,
    private readonly smart: SimulatedSmartBackend | null,
    private readonly fans: SimulatedFanBackend | null,
    private readonly system: SimulatedSystemBackend | null,
  ) {}

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  private need<T>(backend: T | null, area: HardwareArea): T {
    if (!backend) throw new HardwareError('UNSUPPORTED', `the ${area} backend is real; it cannot be simulated`);
    return backend;
  }

  failRaidMember(array: string, device: string): void {
    const raid = this.need(this.raid, 'raid');
    if (array !== 'md0') throw new HardwareError('DEVICE_NOT_FOUND', `no md array named ${array}`);
    raid.fail(device);
  }

  setLoad(load: number): void {
    if (!(load >= 0 && load <= 1)) throw new HardwareError('VALIDATION', `load must be between 0 and 1, got ${load}`);
    this.thermal.update();
    this.thermal.load = load;
  }

  setSensorFault(sensorId: string, fault: 'error' | 'stale' | 'ok'): void {
    this.need(this.fans, 'fans').setFault(sensorId, fault);
  }

  setSmartAttribute(device: string, attribute: string, value: number): void {
    this.need(this.smart, 'smart').setAttribute(device, attribute, value);
  }

  setDiskTemperature(device: string, celsius: number): void {
    this.need(this.smart, 'smart').setTemperature(device, celsius);
  }

  setDiskPresent(device: string, present: boolean): void {
    this.need(this.smart, 'smart').setPresent(device, present);
  }

  setFilesystemUsedPercent(percent: number): void {
    if (!(percent >= 0 && percent <= 100)) throw new HardwareError('VALIDATION', `percent must be between 0 and 100, got ${percent}`);
    this.need(this.system, 'system').setFilesystemUsedPercent(percent);
  }
}

/** Resolves `auto` for one area: real when the hardware is there. */
async function detect(area: HardwareArea, options: HardwareOptions, run: CommandRunner, deps: HardwareDeps): Promise<BackendKind> {
  switch (area) {
    case 'raid':
      return (await MdadmRaidBackend.detect(options.procRoot)) ? 'real' : 'simulated';
    case 'smart':
      return (await SmartctlBackend.detect(options.smartctl, run)) ? 'real' : 'simulated';
    case 'power':
      return (await CpufreqPowerBackend.detect(options.sysRoot)) ? 'real' : 'simulated';
    case 'fans':
      return (await HwmonFanBackend.detect(options.sysRoot)) ? 'real' : 'simulated';
    case 'system':
      return deps.realSystem ? 'real' : 'simulated';
  }
}

/**
 * Builds every area's backend from the config: `real`, `simulated`, or `auto` (real where the
 * hardware exists: /proc/mdstat lists arrays, smartctl's scan finds disks, cpu0 has cpufreq, a
 * hwmon chip has PWM). Detection is the only I/O; the backends' constructors do none.
 */
export async function createHardware(options: HardwareOptions, deps: HardwareDeps = {}): Promise<Hardware> {
  const run = deps.run ?? runCommand;
  const backends = {} as Record<HardwareArea, BackendKind>;
  for (const area of AREAS) {
    const mode = options[area] ?? options.mode;
    backends[area] = mode === 'auto' ? await detect(area, options, run, deps) : mode;
  }
  if (backends.system === 'real' && !deps.realSystem) backends.system = 'simulated';

  const clock = new SimClock(options.simulatedClock ?? 'realtime');
  const thermal = new ThermalModel(clock);
  const load = () => thermal.load;
  const simRaid = backends.raid === 'simulated' ? new SimulatedRaidBackend(clock) : null;
  const simSmart = backends.smart === 'simulated' ? new SimulatedSmartBackend(clock) : null;
  const simFans = backends.fans === 'simulated' ? new SimulatedFanBackend(thermal, clock) : null;
  const simSystem = backends.system === 'simulated' || !deps.realSystem ? new SimulatedSystemBackend(clock, load) : null;
  const anySimulated = AREAS.some((a) => backends[a] === 'simulated');
  return {
    raid: simRaid ?? new MdadmRaidBackend({ procRoot: options.procRoot, sysRoot: options.sysRoot, mdadm: options.mdadm, run }),
    smart: simSmart ?? new SmartctlBackend({ smartctl: options.smartctl, run }),
    power: backends.power === 'simulated' ? new SimulatedPowerBackend(load) : new CpufreqPowerBackend(options.sysRoot),
    fans: simFans ?? new HwmonFanBackend(options.sysRoot),
    system: simSystem ?? deps.realSystem!(),
    backends,
    simulator: anySimulated ? new Simulation(clock, thermal, simRaid, simSmart, simFans, simSystem) : null,
  };
}
