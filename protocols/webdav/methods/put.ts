import type { IncomingMessage } from 'node:http';
import { assertIdentityEncoding } from '../body.js';
import { checkWrite, statOrNull } from '../conditions.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';
import { formatEtag } from '../live-props.js';
import { httpPrecondition } from '../preconditions.js';

const CONDITIONAL = ['if', 'if-match', 'if-none-match', 'if-unmodified-since'];

/** The announced size: Content-Length, else the hints of chunked clients (Finder, ownCloud/rclone). */
function expectedSize(req: IncomingMessage): number | undefined {
  for (const h of ['content-length', 'x-expected-entity-length', 'oc-total-length']) {
    const v = req.headers[h];
    if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v);
  }
  return undefined;
}

/** X-OC-Mtime: seconds since the epoch (fractions allowed), as rclone and ownCloud clients send it. */
function ocMtime(req: IncomingMessage): number | undefined {
  const v = req.headers['x-oc-mtime'];
  if (typeof v !== 'string') return undefined;
  const s = Number(v.trim());
  if (!Number.isFinite(s) || s < 0) throw new DavError('VALIDATION', 'X-OC-Mtime must be seconds since the epoch');
  return Math.round(s * 1000);
}

/**
 * PUT (RFC 4918 §9.7): streams the body (Content-Length or chunked) into the VFS, which
 * reserves the announced size against the quota and commits atomically. 201 when created,
 * 204 when replaced; PUT on a collection is 405.
 */
export async function put(ctx: DavContext): Promise<void> {
  const { vfs, actor, req } = ctx;
  assertIdentityEncoding(req);
  if (req.headers['content-range'] !== undefined) throw new DavError('VALIDATION', 'partial PUT with Content-Range is not supported');
  const mtimeMs = ocMtime(req);
  const path = ctx.target.path;
  // The stat is only needed for conditional headers; otherwise vfs.write reports a collection
  // (IS_A_DIRECTORY → 405) itself and the hot path saves a round trip.
  const conditional = CONDITIONAL.some((h) => req.headers[h] !== undefined);
  const stat = conditional ? await statOrNull(ctx, path) : undefined;
  if (stat?.type === 'directory') throw new DavError('METHOD_NOT_ALLOWED', 'cannot PUT to a collection');
  if (stat !== undefined) {
    const pre = httpPrecondition(req, stat, false);
    if (pre !== null) throw new DavError('PRECONDITION_FAILED', 'precondition failed');
  }
  await checkWrite(ctx, [{ path, stat, parent: 'if-new' }]);
  const result = await vfs.write(actor, path, req, { expectedSize: expectedSize(req), overwrite: true, mtimeMs });
  const headers: Record<string, string> = { ETag: formatEtag(result.stat) };
  if (mtimeMs !== undefined) headers['X-OC-Mtime'] = 'accepted';
  ctx.empty(result.created ? 201 : 204, headers);
}
