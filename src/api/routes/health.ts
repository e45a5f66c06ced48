import { z } from 'zod';
import type { ApiRouter } from '../api-router.js';

const healthResponse = z.object({ status: z.literal('ok'), version: z.string(), database: z.enum(['sqlite', 'postgres']), uptimeSeconds: z.number() });

/** GET /api/health: liveness plus a database round trip. */
export function healthRoutes(router: ApiRouter, deps: { version: string; dbKind: 'sqlite' | 'postgres'; pingDb: () => Promise<void> }): void {
  router.route({ method: 'get', path: '/health', summary: 'Liveness and database check', auth: 'public', response: healthResponse }, async () => {
    await deps.pingDb();
    return { status: 'ok' as const, version: deps.version, database: deps.dbKind, uptimeSeconds: Math.round(process.uptime()) };
  });
}
