import { z } from 'zod';
import type { FanService } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';

const sensorOrFanId = z.string().regex(/^[A-Za-z0-9_-]+\.(pwm|fan|temp)\d+$/, 'must be an id like nct6775.pwm1 or coretemp.temp1');
const curve = z
  .object({
    sensorId: sensorOrFanId,
    points: z.array(z.object({ tempC: z.number().min(-20).max(150), duty: z.number().min(0).max(100) }).strict()).min(2).max(16),
    minDuty: z.number().int().min(0).max(100).default(20),
    maxDuty: z.number().int().min(0).max(100).default(100),
    hysteresisC: z.number().min(0).max(20).default(3),
  })
  .strict();

/** /api/fans: fans, sensors, per-fan curves and the failsafe state. Admin only; curve changes audited. */
export function fansRoutes(router: ApiRouter, fans: FanService): void {
  router.route(
    { method: 'get', path: '/fans', summary: 'Fans (rpm, duty, mode, curve, failsafe) and temperature sensors', auth: 'admin' },
    () => fans.status(),
  );
  router.route(
    { method: 'put', path: '/fans/:id/curve', summary: 'Set a fan\'s temperature → duty curve; nasd drives the fan from now on', auth: 'admin', params: z.object({ id: sensorOrFanId }).strict(), body: curve },
    async (_ctx, { params, body, actor }) => {
      await fans.setCurve(actor, params.id, body);
      return fans.status();
    },
  );
  router.route(
    { method: 'delete', path: '/fans/:id/curve', summary: 'Drop a fan\'s curve and hand it back to the chip\'s automatic control', auth: 'admin', params: z.object({ id: sensorOrFanId }).strict() },
    async (_ctx, { params, actor }) => {
      await fans.deleteCurve(actor, params.id);
    },
  );
}
