import crypto from 'node:crypto';
import type Koa from 'koa';
import { AuthError } from '../../lib/errors.js';
import type { MetricsService } from '../../services/hardware/index.js';
import type { ApiRouter } from '../api-router.js';
import type { ApiState } from '../context.js';

function sameToken(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * GET /metrics (outside /api; mount this router with an empty prefix): Prometheus text. It names
 * users, so it needs an admin's bearer token or the configured scrape token
 * (`Authorization: Bearer <metricsToken>`, compared in constant time).
 */
export function metricsRoutes(router: ApiRouter, metrics: MetricsService, scrapeToken: string | undefined): void {
  router.route(
    { method: 'get', path: '/metrics', summary: 'Prometheus metrics (admin token or scrape token)', auth: 'public', produces: 'text/plain' },
    async (ctx) => {
      const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];
      const principal = ctx.state.principal;
      const allowed = (principal?.isAdmin ?? false) || (scrapeToken !== undefined && bearer !== undefined && sameToken(bearer, scrapeToken));
      if (!allowed) {
        if (principal) throw new AuthError('FORBIDDEN', 'metrics need an administrator or the scrape token');
        throw new AuthError('UNAUTHENTICATED', 'metrics need an admin bearer token or the scrape token');
      }
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    },
  );
}

/**
 * Counts every Koa request by method, matched route template and final status. Unmatched paths
 * are one label (`unmatched`) so random URLs cannot blow up the series count.
 */
export function httpMetrics(metrics: Pick<MetricsService, 'observeRequest'>): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute;
      metrics.observeRequest(ctx.method, typeof route === 'string' ? route : 'unmatched', ctx.status, (performance.now() - started) / 1000);
    }
  };
}
