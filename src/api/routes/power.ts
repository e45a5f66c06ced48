import { z } from 'zod';
import type { PowerService } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';

/** /api/power: CPU governors, energy preference and frequency per core; profiles applied to all CPUs. Admin only. */
export function powerRoutes(router: ApiRouter, power: PowerService): void {
  router.route(
    { method: 'get', path: '/power', summary: 'CPU frequency scaling: the active profile, each CPU\'s governor, EPP and frequency, and what each profile would set', auth: 'admin' },
    () => power.status(),
  );
  router.route(
    { method: 'put', path: '/power/profile', summary: 'Apply a power profile to every CPU', auth: 'admin', body: z.object({ profile: z.enum(['power-saving', 'balanced', 'performance']) }).strict() },
    async (_ctx, { body, actor }) => {
      await power.setProfile(actor, body.profile);
      return power.status();
    },
  );
}
