import { z } from 'zod';
import { ERROR_CODES } from '../lib/errors.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type RouteAuth = 'public' | 'user' | 'admin';

/** What the OpenAPI document records of one route; filled in by ApiRouter.route(). */
export interface OpenApiOperation {
  method: HttpMethod;
  /** Koa-router style path with `:param`s, including the /api prefix. */
  path: string;
  summary: string;
  tags: string[];
  auth: RouteAuth;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  response?: z.ZodType;
  status: number;
  /** Non-JSON responses (downloads, images). */
  produces?: string;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parameters(op: OpenApiOperation): unknown[] {
  const list: unknown[] = [];
  for (const [where, schema] of [['path', op.params], ['query', op.query]] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      list.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
    }
  }
  return list;
}

const errorResponse = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string', enum: ERROR_CODES }, message: { type: 'string' }, details: {} },
          },
        },
      },
    },
  },
};

/** Collects operations as routers are built and renders an OpenAPI 3.1 document from them. */
export class OpenApiRegistry {
  private readonly operations: OpenApiOperation[] = [];

  add(op: OpenApiOperation): void {
    this.operations.push(op);
  }

  document(version: string): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.operations) {
      const p = op.path.replace(/:([A-Za-z0-9_]+)\+?/g, '{$1}');
      const responses: Record<string, unknown> = {
        [op.status]: op.response
          ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(op.response, 'output') } } }
          : { description: 'OK', ...(op.produces ? { content: { [op.produces]: {} } } : {}) },
        default: errorResponse,
      };
      paths[p] ??= {};
      paths[p][op.method] = {
        summary: op.summary,
        tags: op.tags,
        parameters: parameters(op),
        ...(op.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } }
          : {}),
        responses,
        security: op.auth === 'public' ? [] : [{ bearer: [] }],
        'x-nasd-role': op.auth,
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'nasd admin API', version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      paths,
    };
  }
}
