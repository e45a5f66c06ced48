import { z } from 'zod';
import { ValidationError } from '../../lib/errors.js';
import type { TelemetryService } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';

const range = z
  .object({
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(0).optional(),
    resolution: z.enum(['auto', 'raw', '1m', '1h']).default('auto'),
  })
  .strict();

/** /api/telemetry: a live snapshot and stored history (raw, minute or hourly averages). Admin only. */
export function telemetryRoutes(router: ApiRouter, telemetry: TelemetryService): void {
  router.route(
    { method: 'get', path: '/live', summary: 'CPU, memory, disk I/O, network and filesystem usage now', auth: 'admin' },
    () => telemetry.live(5_000),
  );
  router.route(
    { method: 'get', path: '/history', summary: 'Stored samples for a time range (epoch ms); resolution auto picks raw, 1m or 1h', auth: 'admin', query: range },
    async (_ctx, { query }) => {
      const to = query.to ?? Number.MAX_SAFE_INTEGER;
      if (to < query.from) throw new ValidationError('query.to: must not be before from');
      return { backend: telemetry.kind, ...(await telemetry.history(query.from, to, query.resolution)) };
    },
  );
}
