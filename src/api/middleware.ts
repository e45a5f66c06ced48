import crypto from 'node:crypto';
import type Koa from 'koa';
import type { CorsPolicy } from '../lib/cors-policy.js';
import type { Logger } from '../lib/log.js';
import { requestActor } from '../lib/request-actor.js';
import type { ApiState, BearerVerifier } from './context.js';

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (a sane incoming X-Request-Id is kept) and a child logger; logs completion. */
export function requestContext(logger: Logger): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started), ip: ctx.ip },
        'request',
      );
    }
  };
}

/**
 * Security headers for every API and UI response. 'unsafe-inline' styles are needed by
 * frappe-charts, which injects its own <style>; scripts stay same-origin only.
 */
export function securityHeaders(): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.set({
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    await next();
  };
}

/** The API's and UI's side of the one CORS policy (see CorsPolicy): allowed origins get CORS headers, no credentials. */
export function cors(policy: CorsPolicy): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    const origin = ctx.get('Origin') || undefined;
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      const preflight = policy.preflightHeaders(origin, ['Authorization', 'Content-Type']);
      if (preflight) {
        ctx.set(preflight);
        ctx.status = 204;
        return;
      }
    }
    ctx.set(policy.responseHeaders(origin));
    await next();
  };
}

/** Verifies a Bearer token when one is sent; routes decide whether a principal is required. */
export function bearerAuth(verify: BearerVerifier): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match) {
      try {
        ctx.state.principal = await verify(match[1]);
      } catch (err) {
        ctx.state.authError = err as Error;
      }
    }
    await next();
  };
}

/** The request's actor (after bearerAuth): the principal if any, the client's address (see clientAddress) and user agent. */
export function apiActor(trustProxy: boolean): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.state.actor = requestActor(ctx.req, 'api', ctx.state.principal ?? null, trustProxy);
    await next();
  };
}
