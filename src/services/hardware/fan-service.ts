import { PeriodicTask } from '../../lib/periodic.js';
import { withTimeout } from '../../lib/timeout.js';
import { audited, type AuditLog } from '../../audit/index.js';
import type { Principal, RequestActor } from '../../lib/request-actor.js';
import { HardwareError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { dutyToPwm, nextDuty, pwmToDuty, type BackendKind, type CurveState, type FanBackend, type FanCurve, type FanState, type TempSensor } from '../../../hardware/index.js';
import { FanCurveStore, type StoredFanCurve } from './fan-curves.js';

/** Why a fan runs at full speed against its curve, and since when. */
export interface FanFailsafe {
  reason: string;
  since: number;
}

export interface FanControlOptions {
  /** A reading older than this is stale (a sensor that stopped updating): failsafe. */
  staleAfterMs: number;
  /** A sensor read that takes longer than this failed (a hung driver): failsafe. */
  readTimeoutMs: number;
  now: () => number;
}

const FULL = 255;
/** hwmon pwmN_enable: 1 = manual, 2 = the chip's own automatic control. */
const MANUAL = 1;
const AUTOMATIC = 2;

/**
 * Fan curves and the control loop. Each tick reads every curve's sensor and sets its fan's duty;
 * any read error, timeout or stale reading drives that fan to full speed and is reported until
 * the sensor reads well again. Fans nasd stops controlling go back to the chip's automatic mode.
 */
export class FanService {
  private readonly state = new Map<string, CurveState>();
  private readonly failsafe = new Map<string, FanFailsafe>();
  private readonly originalMode = new Map<string, number | null>();

  constructor(
    private readonly backend: FanBackend,
    private readonly store: FanCurveStore,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly options: FanControlOptions,
  ) {
    this.loop = new PeriodicTask(() => this.tick(), logger, 'fan control loop failed');
  }

  private readonly loop: PeriodicTask;

  get kind(): BackendKind {
    return this.backend.kind;
  }

  async status(): Promise<{ backend: BackendKind; fans: (FanState & { duty: number | null; curve: StoredFanCurve | null; failsafe: FanFailsafe | null })[]; sensors: TempSensor[] }> {
    const curves = await this.store.list();
    const fans = (await this.backend.listFans()).map((f) => ({
      ...f,
      duty: f.pwm === null ? null : f.mode === 0 ? 100 : pwmToDuty(f.pwm),
      curve: curves.find((c) => c.fanId === f.id) ?? null,
      failsafe: this.failsafe.get(f.id) ?? null,
    }));
    return { backend: this.backend.kind, fans, sensors: await this.backend.listSensors() };
  }

  /** Stores a curve for a controllable fan and applies it at once. */
  setCurve(actor: RequestActor<Principal>, fanId: string, curve: FanCurve): Promise<void> {
    return audited(this.audit, actor, 'fan.curve.set', fanId, { ...curve }, async () => {
      const fan = (await this.backend.listFans()).find((f) => f.id === fanId);
      if (!fan) throw new HardwareError('DEVICE_NOT_FOUND', `no fan named ${fanId}`);
      if (!fan.controllable) throw new HardwareError('UNSUPPORTED', `${fanId} has no PWM control`);
      const sensors = await this.backend.listSensors();
      if (!sensors.some((s) => s.id === curve.sensorId)) {
        throw new HardwareError('DEVICE_NOT_FOUND', `no temperature sensor named ${curve.sensorId} (sensors: ${sensors.map((s) => s.id).join(', ')})`);
      }
      const temps = curve.points.map((p) => p.tempC);
      if (temps.some((t, i) => i > 0 && t <= temps[i - 1])) throw new HardwareError('VALIDATION', 'curve points must have strictly increasing temperatures');
      if (curve.minDuty > curve.maxDuty) throw new HardwareError('VALIDATION', `minDuty ${curve.minDuty} is above maxDuty ${curve.maxDuty}`);
      await this.store.put(fanId, curve, actor.principal.username, this.options.now());
      this.state.delete(fanId);
      await this.control({ fanId, ...curve, updatedBy: actor.principal.username, updatedAt: 0 }, fan);
    });
  }

  /** Drops a fan's curve and hands the fan back to the chip. */
  deleteCurve(actor: RequestActor<Principal>, fanId: string): Promise<void> {
    return audited(this.audit, actor, 'fan.curve.delete', fanId, {}, async () => {
      if (!(await this.store.remove(fanId))) throw new HardwareError('NOT_FOUND', `${fanId} has no curve`);
      await this.release(fanId);
    });
  }

  private async release(fanId: string): Promise<void> {
    const original = this.originalMode.get(fanId);
    this.state.delete(fanId);
    this.failsafe.delete(fanId);
    this.originalMode.delete(fanId);
    await this.backend.setMode(fanId, original === undefined || original === null || original === MANUAL ? AUTOMATIC : original);
  }

  private async goFull(fanId: string, reason: string): Promise<void> {
    const since = this.failsafe.get(fanId)?.since ?? this.options.now();
    if (!this.failsafe.has(fanId)) this.logger.warn({ fan: fanId, reason }, 'fan failsafe: driving the fan to full speed');
    this.failsafe.set(fanId, { reason, since });
    this.state.delete(fanId);
    try {
      await this.backend.setMode(fanId, MANUAL);
      await this.backend.setPwm(fanId, FULL);
    } catch (err) {
      await this.backend.setMode(fanId, 0); // hwmon 0 = full speed without PWM control
      throw err;
    }
  }

  private async control(curve: StoredFanCurve, fan: FanState): Promise<void> {
    if (!this.originalMode.has(curve.fanId)) this.originalMode.set(curve.fanId, fan.mode);
    let reading: TempSensor;
    try {
      const ms = this.options.readTimeoutMs;
      reading = await withTimeout(this.backend.readSensor(curve.sensorId), ms, () => new HardwareError('HW_UNAVAILABLE', `reading ${curve.sensorId} timed out after ${ms} ms`));
    } catch (err) {
      return this.goFull(curve.fanId, `sensor ${curve.sensorId} could not be read: ${(err as Error).message}`);
    }
    if (reading.celsius === null) return this.goFull(curve.fanId, `sensor ${curve.sensorId} could not be read: ${reading.error ?? 'no value'}`);
    const age = this.options.now() - reading.readAt;
    if (age > this.options.staleAfterMs) return this.goFull(curve.fanId, `sensor ${curve.sensorId} is stale: no new reading for ${Math.round(age / 1000)} s`);
    if (this.failsafe.delete(curve.fanId)) this.logger.info({ fan: curve.fanId }, 'fan failsafe cleared: the sensor reads again');
    const next = nextDuty(curve, reading.celsius, this.state.get(curve.fanId) ?? null);
    if (fan.mode !== MANUAL) await this.backend.setMode(curve.fanId, MANUAL);
    if (fan.pwm !== dutyToPwm(next.duty) || fan.mode !== MANUAL) await this.backend.setPwm(curve.fanId, dutyToPwm(next.duty));
    this.state.set(curve.fanId, next);
  }

  /** One pass of the control loop over every fan with a curve. A fan that vanished is reported, the others still run. */
  async tick(): Promise<void> {
    const curves = await this.store.list();
    if (curves.length === 0) return;
    const fans = await this.backend.listFans();
    for (const curve of curves) {
      const fan = fans.find((f) => f.id === curve.fanId);
      try {
        if (!fan) throw new HardwareError('DEVICE_NOT_FOUND', `fan ${curve.fanId} of a stored curve is not present`);
        await this.control(curve, fan);
      } catch (err) {
        this.logger.error({ err, fan: curve.fanId }, 'fan control failed');
        this.failsafe.set(curve.fanId, { reason: (err as Error).message, since: this.failsafe.get(curve.fanId)?.since ?? this.options.now() });
      }
    }
  }

  /** Runs tick() every `intervalMs` (unref'd: it never keeps the process alive); ticks never overlap. */
  start(intervalMs: number): void {
    this.loop.start(intervalMs);
  }

  /** Stops the loop, waits for a running tick and hands every controlled fan back to the chip. */
  async stop(): Promise<void> {
    await this.loop.stop();
    for (const fanId of [...this.originalMode.keys()]) {
      await this.release(fanId).catch((err: unknown) => this.logger.error({ err, fan: fanId }, 'could not hand the fan back to automatic control'));
    }
  }
}
