import type { Knex } from 'knex';
import { audited, type AuditLog } from '../../audit/index.js';
import type { RequestActor } from '../../lib/request-actor.js';
import type { Logger } from '../../lib/log.js';
import { HardwareError } from '../../lib/errors.js';
import type { Hardware, HardwareSimulator } from '../../../hardware/index.js';
import { FanCurveStore } from './fan-curves.js';
import { FanService } from './fan-service.js';
import { MetricsService, type UsageSource } from './metrics.js';
import { PowerService } from './power-service.js';
import { RaidService } from './raid-service.js';
import { SmartStore } from './smart-store.js';
import { SmartService } from './smart-service.js';
import { TelemetryStore } from './telemetry-store.js';
import { TelemetryService } from './telemetry-service.js';

export { SystemInformationBackend, type SystemInformationModule } from './system-info.js';
export type { FanService, FanFailsafe } from './fan-service.js';
export type { MetricsService, UsageSource } from './metrics.js';
export type { PowerService } from './power-service.js';
export type { RaidService } from './raid-service.js';
export type { SmartService, SmartDiskSummary, SmartDiskDetail } from './smart-service.js';
export type { TelemetryService } from './telemetry-service.js';
export { RETENTION_MS as TELEMETRY_RETENTION_MS, type Resolution, type TelemetryPoint } from './telemetry-store.js';

/** Everything the hardware API, /metrics and the scheduler use. */
export interface HardwareServices {
  readonly hardware: Hardware;
  readonly raid: RaidService;
  readonly smart: SmartService;
  readonly power: PowerService;
  readonly fans: FanService;
  readonly telemetry: TelemetryService;
  readonly metrics: MetricsService;
  /** The simulated backends' knobs (clock, failures), null when every area is real. */
  readonly simulator: HardwareSimulator | null;
  /**
   * Moves simulated time forward in steps, running a fan control pass after each step (at most
   * 120 steps, each at least 5 s), so fans react while simulated temperatures change.
   */
  advance(ms: number): Promise<void>;
  /** Runs a simulation step as an audited action (`hardware.simulate`). */
  simulate<T>(actor: RequestActor, details: Record<string, unknown>, run: () => Promise<T>): Promise<T>;
  /** Starts the fan control loop and the telemetry sampler (0 = off). */
  start(intervals: { fanMs: number; telemetryMs: number }): void;
  /** Stops both loops and hands controlled fans back to the chip. */
  stop(): Promise<void>;
}

export interface HardwareServicesDeps {
  hardware: Hardware;
  knex: Knex;
  audit: AuditLog;
  logger: Logger;
  usage?: UsageSource;
}

/** Builds the hardware services over already-created backends (main.ts owns the creation). */
export function createHardwareServices(deps: HardwareServicesDeps): HardwareServices {
  const { hardware, knex, audit, logger } = deps;
  const sim = hardware.simulator;
  /** Simulated areas run on the simulated clock, so history and staleness follow it. */
  const clockOf = (area: 'smart' | 'fans') => (sim && hardware.backends[area] === 'simulated' ? () => sim.clock.now() : Date.now);
  const raid = new RaidService(hardware.raid, audit);
  const smart = new SmartService(hardware.smart, new SmartStore(knex), audit, clockOf('smart'));
  const power = new PowerService(hardware.power, audit);
  const fans = new FanService(hardware.fans, new FanCurveStore(knex), audit, logger.child({ area: 'fans' }), {
    staleAfterMs: 30_000,
    readTimeoutMs: 2_000,
    now: clockOf('fans'),
  });
  const telemetry = new TelemetryService(hardware.system, new TelemetryStore(knex), logger.child({ area: 'telemetry' }));
  const metrics = new MetricsService({ backends: hardware.backends, telemetry, raid, smart, fans, usage: deps.usage, logger });
  return {
    hardware, raid, smart, power, fans, telemetry, metrics,
    simulator: sim,
    async advance(ms) {
      if (!sim) throw new HardwareError('UNSUPPORTED', 'every hardware area is real: there is nothing to simulate');
      const step = Math.max(5_000, ms / 120);
      for (let left = ms; left > 0; left -= step) {
        sim.advance(Math.min(step, left));
        await fans.tick();
      }
    },
    simulate: (actor, details, run) => audited(audit, actor, 'hardware.simulate', 'simulation', details, run),
    start(intervals) {
      fans.start(intervals.fanMs);
      telemetry.start(intervals.telemetryMs);
    },
    async stop() {
      await telemetry.stop();
      await fans.stop();
    },
  };
}
