import Koa from 'koa';
import type { CorsPolicy } from '../lib/cors-policy.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { ApiRouter } from './api-router.js';
import type { ApiState, BearerVerifier } from './context.js';
import { errorMapper } from './errors.js';
import { apiActor, bearerAuth, cors, requestContext, securityHeaders } from './middleware.js';
import type { OpenApiRegistry } from './openapi.js';
import { docsPage } from './docs-page.js';

export interface ApiAppOptions {
  logger: Logger;
  version: string;
  trustProxy: boolean;
  cors: CorsPolicy;
  openapi: OpenApiRegistry;
  routers: ApiRouter[];
  verifyBearer: BearerVerifier;
  /** Runs around everything after the request id (sees the final status): request metrics. */
  observe?: Koa.Middleware<ApiState>;
  /** Serves everything outside /api (the admin UI); absent → 404. */
  fallback?: Koa.Middleware<ApiState>;
}

/**
 * The Koa application for /api and the admin UI (no listen: src/http/server.ts owns the socket).
 * Order: request id → security headers → error mapper → CORS → bearer auth → actor → routers.
 */
export function createApiApp(options: ApiAppOptions): Koa<ApiState> {
  const app = new Koa<ApiState>({ proxy: options.trustProxy });
  app.silent = true;
  app.use(requestContext(options.logger));
  if (options.observe) app.use(options.observe);
  app.use(securityHeaders());
  app.use(errorMapper());
  app.use(cors(options.cors));
  app.use(bearerAuth(options.verifyBearer));
  app.use(apiActor(options.trustProxy));

  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET') return next();
    if (ctx.path === '/api/openapi.json') {
      ctx.body = options.openapi.document(options.version);
      return;
    }
    if (ctx.path === '/api/docs') {
      ctx.type = 'html';
      ctx.body = docsPage(options.openapi.document(options.version));
      return;
    }
    await next();
  });
  for (const r of options.routers) app.use(r.router.routes());
  app.use(async (ctx, next) => {
    if (ctx.path === '/api' || ctx.path.startsWith('/api/')) {
      const allowed = allowedMethods(ctx);
      if (allowed.length === 0) throw new AppError('NOT_FOUND', `no API route ${ctx.method} ${ctx.path}`);
      ctx.set('Allow', allowed.join(', '));
      if (ctx.method === 'OPTIONS') {
        ctx.status = 204;
        return;
      }
      throw new AppError('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allowed.join(', ')}`);
    }
    if (options.fallback) return options.fallback(ctx, next);
    throw new AppError('NOT_FOUND', 'not found');
  });
  return app;
}

/**
 * The methods of the routes whose path matched this request (the routers record them in
 * `ctx.matched` whatever the method), so a wrong method answers 405 with Allow (RFC 9110 §15.5.6)
 * instead of 404.
 */
function allowedMethods(ctx: Koa.Context): string[] {
  const matched = (ctx as { matched?: Array<{ methods: string[] }> }).matched ?? [];
  return [...new Set(matched.flatMap((layer) => layer.methods))];
}
