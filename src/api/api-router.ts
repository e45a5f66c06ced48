import Router, { type RouterMiddleware } from '@koa/router';
import type Koa from 'koa';
import type { z } from 'zod';
import { AppError, AuthError, ValidationError } from '../lib/errors.js';
import type { RequestActor } from '../lib/request-actor.js';
import type { ApiContext, ApiPrincipal, ApiState } from './context.js';
import { jsonBody } from './json-body.js';
import type { HttpMethod, OpenApiOperation, OpenApiRegistry, RouteAuth } from './openapi.js';

export interface RouteDef<B, Q, P> {
  method: HttpMethod;
  /** Path below the router's prefix, koa-router style (`/users/:id`). */
  path: string;
  summary: string;
  auth: RouteAuth;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  response?: z.ZodType;
  /** Success status; 200 unless given. */
  status?: number;
  /** Content type of a non-JSON response, for the OpenAPI document. */
  produces?: string;
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Present whenever the route's auth is not `public`. */
  principal: ApiPrincipal;
  /** The request's actor (ctx.state.actor); its principal is present whenever the route's auth is not `public`. */
  actor: RequestActor<ApiPrincipal>;
}

/** A handler returns the JSON body, or sets ctx.body itself (streams) and returns undefined. */
export type RouteHandler<B, Q, P> = (ctx: ApiContext, input: RouteInput<B, Q, P>) => unknown | Promise<unknown>;

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
  const first = fields[0];
  throw new ValidationError(`${first.field}: ${first.message}`, { details: { fields } });
}

/**
 * A Koa router whose routes are declared with their schemas and access level: each route is
 * validated (unknown fields rejected by the schemas), authorized and documented in one place.
 * Handlers stay thin: validate → authorize → call a service → present.
 */
export class ApiRouter {
  readonly router: Router<ApiState>;

  constructor(
    private readonly prefix: string,
    private readonly openapi: OpenApiRegistry,
    private readonly tag: string,
    private readonly maxJsonBytes: number,
  ) {
    this.router = new Router<ApiState>({ prefix });
  }

  route<B = undefined, Q = undefined, P = undefined>(def: RouteDef<B, Q, P>, handler: RouteHandler<B, Q, P>): this {
    const op: OpenApiOperation = {
      method: def.method,
      path: this.prefix + def.path,
      summary: def.summary,
      tags: [this.tag],
      auth: def.auth,
      body: def.body,
      query: def.query,
      params: def.params,
      response: def.response,
      status: def.status ?? 200,
      produces: def.produces,
    };
    this.openapi.add(op);
    const middlewares: Koa.Middleware<ApiState>[] = [];
    if (def.body) middlewares.push(requireJson(), jsonBody(this.maxJsonBytes));
    const run: Koa.Middleware<ApiState> = async (ctx) => {
      const principal = authorize(ctx, def.auth);
      const input: RouteInput<B, Q, P> = {
        params: parseWith(def.params, (ctx as unknown as { params: unknown }).params, 'params'),
        query: parseWith(def.query, ctx.query, 'query'),
        body: parseWith(def.body, (ctx.request as unknown as { body: unknown }).body, 'body'),
        principal: principal as ApiPrincipal,
        actor: ctx.state.actor as RequestActor<ApiPrincipal>,
      };
      const result = await handler(ctx, input);
      if (result !== undefined) {
        ctx.status = op.status;
        ctx.body = result;
      } else if ((ctx.body === undefined || ctx.body === null) && ctx.status === 404) {
        // Koa's status is 404 until someone sets one: a handler that set none and sent no body succeeded.
        ctx.status = op.status === 200 ? 204 : op.status;
      }
    };
    middlewares.push(run);
    this.router[def.method](def.path, ...(middlewares as unknown as RouterMiddleware<ApiState>[]));
    return this;
  }
}

function requireJson(): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    if (!ctx.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json');
    }
    await next();
  };
}

function authorize(ctx: ApiContext, auth: RouteAuth): ApiPrincipal | undefined {
  if (auth === 'public') return ctx.state.principal;
  const principal = ctx.state.principal;
  if (!principal) throw ctx.state.authError ?? new AuthError('UNAUTHENTICATED', 'a bearer access token is required');
  if (auth === 'admin' && !principal.isAdmin) throw new AuthError('FORBIDDEN', 'this action needs an administrator');
  return principal;
}
