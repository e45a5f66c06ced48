import { hasBody, readSmallBody } from '../body.js';
import { checkWrite, statOrNull } from '../conditions.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';

/**
 * MKCOL (RFC 4918 §9.3): creates one collection. nasd defines no MKCOL body, so any body is
 * 415; an existing target is 405; a missing parent is 409 (mapped in errors.ts).
 */
export async function mkcol(ctx: DavContext): Promise<void> {
  if (hasBody(ctx.req)) {
    const body = await readSmallBody(ctx.req, ctx.deps.maxXmlBytes);
    if (body.length > 0) throw new DavError('UNSUPPORTED_MEDIA_TYPE', 'MKCOL with a request body is not supported');
  }
  const path = ctx.target.path;
  if (await statOrNull(ctx, path)) throw new DavError('METHOD_NOT_ALLOWED', 'the resource already exists');
  await checkWrite(ctx, [{ path, stat: null, parent: true }]);
  await ctx.vfs.mkdir(ctx.actor, path);
  ctx.empty(201);
}
