import type Koa from 'koa';
import { AppError, ValidationError } from '../lib/errors.js';
import type { ApiState } from './context.js';

/** Only an object or an array may be the top-level value (after RFC 8259 whitespace). */
const STRUCTURED = /^[\x20\x09\x0a\x0d]*[[{]/;

/** Keys that would set or reach an object's prototype when the parsed value is merged somewhere. */
function rejectProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)) {
    throw new ValidationError('request body: forbidden key', { details: { fields: [{ field: `body.${key}`, message: 'forbidden key' }] } });
  }
  return value;
}

/** Reads the request body up to `limit` bytes (PAYLOAD_TOO_LARGE past it, announced or streamed). */
async function readLimited(req: Koa.Context['req'], limit: number): Promise<Buffer> {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > limit) throw new AppError('PAYLOAD_TOO_LARGE', 'request body is too large');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new AppError('PAYLOAD_TOO_LARGE', 'request body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * JSON request bodies for the API: UTF-8, no content coding (415 otherwise), at most `limit`
 * bytes (413), an object or array at the top (400), no `__proto__` keys (400); an empty body is
 * `{}`. Sets `ctx.request.body`. nasd's own few lines instead of koa-body, whose multipart and
 * form parsers (never used here) cost about 10 MiB of resident memory at start.
 */
export function jsonBody(limit: number): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    const coding = (ctx.get('content-encoding') || 'identity').trim().toLowerCase();
    if (coding !== 'identity') throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${coding.slice(0, 40)} is not supported`);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(ctx.get('content-type'))?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new AppError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset.slice(0, 40)} is not supported`);
    const text = (await readLimited(ctx.req, limit)).toString('utf8');
    let body: unknown = {};
    if (text.length > 0) {
      if (!STRUCTURED.test(text)) throw new ValidationError('request body must be a JSON object or array');
      try {
        body = JSON.parse(text, rejectProtoKeys);
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new ValidationError('request body is not valid JSON');
      }
    }
    (ctx.request as unknown as { body: unknown }).body = body;
    await next();
  };
}
