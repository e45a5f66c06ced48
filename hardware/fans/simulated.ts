import { HardwareError } from '../../src/lib/errors.js';
import type { Clock, FanBackend, FanState, TempSensor } from '../types.js';

const AMBIENT_C = 25;
/** Heat capacity of the simulated CPU cooler (arbitrary units: °C·s per unit of heat). */
const CPU_CAPACITY = 20;
const DISK_CAPACITY = 200;
/** Integration step of the model; longer jumps of the clock are integrated in several steps. */
const STEP_MS = 1000;
const MAX_STEPS = 3600;
/** What the "chip" drives a fan to in automatic mode (pwm_enable ≥ 2). */
const AUTO_PWM = 102;

interface SimFan {
  id: string;
  label: string;
  pwm: number;
  mode: number;
  maxRpm: number;
}

/**
 * A small thermal model: the CPU heats with load and cools with the CPU fan's duty, the disk bay
 * follows load and the case fan, both relaxing toward an equilibrium as simulated time passes.
 * The clock is injected so tests drive it; sensors can be made to fail or freeze for failsafe tests.
 */
export class ThermalModel {
  load = 0.1;
  cpuC = 38;
  diskC = 33;
  private last: number;
  readonly fans: SimFan[] = [
    { id: 'sim.pwm1', label: 'CPU fan', pwm: AUTO_PWM, mode: 2, maxRpm: 2000 },
    { id: 'sim.pwm2', label: 'Case fan', pwm: AUTO_PWM, mode: 2, maxRpm: 1200 },
  ];

  constructor(private readonly clock: Clock) {
    this.last = clock.now();
  }

  /** Effective duty 0–1 of a fan given its mode (0 = full speed, 1 = manual pwm, 2+ = chip automatic). */
  duty(fan: SimFan): number {
    if (fan.mode === 0) return 1;
    return (fan.mode === 1 ? fan.pwm : AUTO_PWM) / 255;
  }

  /** Integrates the model up to the clock's now. */
  update(): void {
    const now = this.clock.now();
    let elapsed = now - this.last;
    if (elapsed <= 0) return;
    const step = Math.max(STEP_MS, elapsed / MAX_STEPS);
    const [cpuFan, caseFan] = this.fans;
    while (elapsed > 0) {
      const dt = Math.min(step, elapsed) / 1000;
      const cpuHeat = 15 + 55 * this.load;
      const cpuCooling = 0.5 + 2.5 * this.duty(cpuFan);
      this.cpuC += (dt * (cpuHeat - cpuCooling * (this.cpuC - AMBIENT_C))) / CPU_CAPACITY;
      const diskTarget = AMBIENT_C + 8 + 12 * this.load * (1 - 0.6 * this.duty(caseFan));
      this.diskC += (dt * (diskTarget - this.diskC)) / (DISK_CAPACITY / 10);
      elapsed -= dt * 1000;
    }
    this.last = now;
  }
}

type Fault = 'error' | 'stale';

/** Fans and sensors of the simulated box, over a ThermalModel. */
export class SimulatedFanBackend implements FanBackend {
  readonly kind = 'simulated' as const;
  private readonly faults = new Map<string, { fault: Fault; frozen: TempSensor }>();

  constructor(
    private readonly model: ThermalModel,
    private readonly clock: Clock,
  ) {}

  private fan(id: string): SimFan {
    const fan = this.model.fans.find((f) => f.id === id);
    if (!fan) throw new HardwareError('DEVICE_NOT_FOUND', `no controllable fan named ${id}`);
    return fan;
  }

  private live(id: string): TempSensor {
    this.model.update();
    const at = this.clock.now();
    if (id === 'sim.temp1') return { id, label: 'CPU', celsius: Math.round(this.model.cpuC * 10) / 10, readAt: at };
    if (id === 'sim.temp2') return { id, label: 'Disk bay', celsius: Math.round(this.model.diskC * 10) / 10, readAt: at };
    throw new HardwareError('DEVICE_NOT_FOUND', `no temperature sensor named ${id}`);
  }

  async listFans(): Promise<FanState[]> {
    this.model.update();
    return this.model.fans.map((f) => ({
      id: f.id, label: f.label, pwm: f.pwm, mode: f.mode, controllable: true,
      rpm: Math.round(f.maxRpm * (0.15 + 0.85 * this.model.duty(f))),
    }));
  }

  async listSensors(): Promise<TempSensor[]> {
    return [await this.readSensor('sim.temp1'), await this.readSensor('sim.temp2')];
  }

  async readSensor(id: string): Promise<TempSensor> {
    const live = this.live(id);
    const fault = this.faults.get(id);
    if (fault?.fault === 'error') return { ...live, celsius: null, error: 'simulated read error (EIO)' };
    if (fault?.fault === 'stale') return { ...fault.frozen };
    return live;
  }

  async setMode(fanId: string, mode: number): Promise<void> {
    this.model.update();
    this.fan(fanId).mode = mode;
  }

  async setPwm(fanId: string, pwm: number): Promise<void> {
    if (!Number.isInteger(pwm) || pwm < 0 || pwm > 255) throw new HardwareError('VALIDATION', `pwm must be 0–255, got ${pwm}`);
    this.model.update();
    this.fan(fanId).pwm = pwm;
  }

  /** Makes a sensor fail (`error`), freeze at its current reading (`stale`), or heals it (`ok`). */
  setFault(sensorId: string, fault: Fault | 'ok'): void {
    const live = this.live(sensorId);
    if (fault === 'ok') this.faults.delete(sensorId);
    else this.faults.set(sensorId, { fault, frozen: live });
  }
}
