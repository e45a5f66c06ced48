import { z } from 'zod';
import type { ApiRouter } from '../api-router.js';

const healthResponse = z.object({ status: z.literal('ok'), version: z.string(), database: z.enum(['sqlite', 'postgres']), uptimeSeconds: z.number() });
const readyResponse = z.union([z.object({ ready: z.literal(true) }), z.object({ ready: z.literal(false), reason: z.string() })]);

export type Liveness = z.infer<typeof healthResponse>;
/** The readiness answer: whether a load balancer should send this process traffic, and if not why (src/http/readiness.ts gives it). */
export type ReadyAnswer = z.infer<typeof readyResponse>;

/** The liveness answer: the process runs and answers HTTP (what a restart would fix), nothing else. */
export function livenessOf(version: string, dbKind: 'sqlite' | 'postgres'): Liveness {
  return { status: 'ok', version, database: dbKind, uptimeSeconds: Math.round(process.uptime()) };
}

/** GET /api/health (liveness) and GET /api/health/ready (readiness, 503 with the reason when not ready). */
export function healthRoutes(router: ApiRouter, deps: { version: string; dbKind: 'sqlite' | 'postgres'; ready: () => Promise<ReadyAnswer> }): void {
  router.route(
    { method: 'get', path: '/health', summary: 'Liveness: the process answers (200 while it starts and shuts down too; the database is checked by /api/health/ready)', auth: 'public', response: healthResponse },
    () => livenessOf(deps.version, deps.dbKind),
  );
  router.route(
    {
      method: 'get',
      path: '/health/ready',
      summary: 'Readiness for load balancers and orchestrators: 200 {ready:true} while serving; 503 {ready:false, reason} while migrating or starting, shutting down, or when the database does not answer',
      auth: 'public',
      response: readyResponse,
    },
    async (ctx) => {
      const answer = await deps.ready();
      ctx.set('Cache-Control', 'no-store');
      ctx.status = answer.ready ? 200 : 503;
      ctx.body = answer;
    },
  );
}
