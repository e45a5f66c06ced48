import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import type { HardwareServices } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';

/** Device and array names as the kernel spells them; anything else is refused before it reaches a backend. */
export const deviceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be a kernel device name like sda, sdb1, md0 or nvme0');

const backendKind = z.enum(['real', 'simulated']);

const simulationBody = z
  .object({
    advanceSeconds: z.number().min(0).max(366 * 86_400).optional(),
    failRaidMember: z.object({ array: deviceName, device: deviceName }).strict().optional(),
    cpuLoad: z.number().min(0).max(1).optional(),
    sensorFault: z.object({ sensor: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), fault: z.enum(['error', 'stale', 'ok']) }).strict().optional(),
    smartAttribute: z.object({ device: deviceName, attribute: z.string().regex(/^[a-z0-9_.]{1,64}$/), value: z.number().int().min(0).max(1e12) }).strict().optional(),
    diskTemperature: z.object({ device: deviceName, celsius: z.number().int().min(-40).max(150) }).strict().optional(),
    diskPresent: z.object({ device: deviceName, present: z.boolean() }).strict().optional(),
    filesystemUsedPercent: z.number().min(0).max(100).optional(),
  })
  .strict();

/**
 * GET /api/hardware: which backend serves each area. POST /api/hardware/simulation: drives the
 * simulated backends (clock, a disk dying, load, sensor faults, SMART values) — a 501 when the
 * area is real. Both admin only; simulation steps are audited like any hardware action.
 */
export function hardwareRoutes(router: ApiRouter, services: HardwareServices): void {
  router.route(
    { method: 'get', path: '/hardware', summary: 'Active backend (real or simulated) per hardware area', auth: 'admin', response: z.object({ backends: z.record(z.string(), backendKind), simulated: z.boolean() }) },
    () => ({ backends: services.hardware.backends, simulated: services.simulator !== null }),
  );

  router.route(
    { method: 'post', path: '/hardware/simulation', summary: 'Drive the simulated hardware (clock, failures, load, sensor faults, disks, filesystem)', auth: 'admin', body: simulationBody },
    async (_ctx, { body, actor }) => {
      const sim = services.simulator;
      if (!sim) throw new AppError('UNSUPPORTED', 'every hardware area is real: there is nothing to simulate');
      return services.simulate(actor, body, async () => {
        if (body.failRaidMember) sim.failRaidMember(body.failRaidMember.array, body.failRaidMember.device);
        if (body.cpuLoad !== undefined) sim.setLoad(body.cpuLoad);
        if (body.sensorFault) sim.setSensorFault(body.sensorFault.sensor, body.sensorFault.fault);
        if (body.smartAttribute) sim.setSmartAttribute(body.smartAttribute.device, body.smartAttribute.attribute, body.smartAttribute.value);
        if (body.diskTemperature) sim.setDiskTemperature(body.diskTemperature.device, body.diskTemperature.celsius);
        if (body.diskPresent) sim.setDiskPresent(body.diskPresent.device, body.diskPresent.present);
        if (body.filesystemUsedPercent !== undefined) sim.setFilesystemUsedPercent(body.filesystemUsedPercent);
        if (body.advanceSeconds) await services.advance(body.advanceSeconds * 1000);
        return { now: sim.clock.now() };
      });
    },
  );
}
