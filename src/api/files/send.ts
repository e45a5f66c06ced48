import { lookup } from 'mime-types';
import { AppError } from '../../lib/errors.js';
import { dispositionFor, SERVED_FILE_HEADERS } from '../../lib/served-content.js';
import type { Principal, RequestActor } from '../../lib/request-actor.js';
import type { ByteRange, EntryStat, Vfs } from '../../vfs/index.js';
import type { ApiContext } from '../context.js';
import { isNotModified } from '../../lib/http-conditional.js';
import { decideRange, ifRangeMatches } from '../../lib/http-range.js';

/** Images the preview shows inline (a subset of the passive types of served-content.ts). */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Plain-text formats previewed as text/plain (never as HTML or script). */
const PLAIN_TEXT = new Set(['text/plain', 'text/markdown', 'text/csv']);

/** What a preview of `name` is served as, or undefined when nasd does not preview it. */
export function previewType(name: string): { contentType: string; inline: boolean } | undefined {
  const type = lookup(name);
  if (!type) return undefined;
  if (INLINE_IMAGES.has(type)) return { contentType: type, inline: true };
  if (PLAIN_TEXT.has(type)) return { contentType: 'text/plain; charset=utf-8', inline: true };
  if (type === 'image/svg+xml') return { contentType: type, inline: false };
  return undefined;
}

function requireFile(stat: EntryStat, hint: string): void {
  if (stat.type !== 'file') throw new AppError('IS_A_DIRECTORY', `${stat.path} is a folder; ${hint}`);
}

/** What to send once the file's stat is known: a byte range, the whole file, or no body at all. */
type SendPlan = ByteRange | undefined | 'unsatisfiable' | 'not-modified';

/**
 * Opens the file for the range the stat allowed (nothing is opened for a 304 or 416). If the
 * file was replaced between the stat and the open (its etag changed), the range may no longer
 * fit: retry with a fresh stat.
 */
async function openStable(vfs: Vfs, actor: RequestActor<Principal>, path: string, plan: (stat: EntryStat) => SendPlan) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const stat = await vfs.stat(actor, path);
    requireFile(stat, 'download it as a zip with /api/files/zip');
    const range = plan(stat);
    if (range === 'unsatisfiable' || range === 'not-modified') return { stat, range };
    const opened = await vfs.openRead(actor, path, range);
    if (opened.stat.etag === stat.etag) return { stat, range, stream: opened.stream };
    opened.stream.destroy();
  }
  throw new AppError('CONFLICT', 'the file kept changing while it was being opened; try again');
}

/** Whether the request's If-None-Match / If-Modified-Since say the client's copy is current. */
function clientHasCurrent(ctx: ApiContext, stat: EntryStat): boolean {
  return isNotModified({ ifNoneMatch: ctx.get('If-None-Match') || undefined, ifModifiedSince: ctx.get('If-Modified-Since') || undefined }, stat.etag, stat.mtimeMs);
}

/** 304 Not Modified: the validators and caching headers a 200 would carry, and no body (RFC 9110 §15.4.5). */
function sendNotModified(ctx: ApiContext, stat: EntryStat): void {
  validators(ctx, stat);
  ctx.body = null;
  ctx.status = 304;
}

function validators(ctx: ApiContext, stat: EntryStat): string {
  const lastModified = new Date(stat.mtimeMs).toUTCString();
  ctx.set('ETag', stat.etag);
  ctx.set('Last-Modified', lastModified);
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.set(SERVED_FILE_HEADERS);
  return lastModified;
}

/**
 * GET /api/files/download: streams a file as an attachment. A matching If-None-Match, or an
 * If-Modified-Since the file is not newer than, gets 304 with no body (before any Range). A
 * single Range is honoured (206 with Content-Range; 416 with `Content-Range: bytes *\/size` when
 * it selects nothing), also under If-Range; anything else gets the whole file.
 */
export async function sendDownload(ctx: ApiContext, vfs: Vfs, actor: RequestActor<Principal>, path: string): Promise<void> {
  const header = ctx.get('Range') || undefined;
  const ifRange = ctx.get('If-Range') || undefined;
  const opened = await openStable(vfs, actor, path, (stat) => {
    if (clientHasCurrent(ctx, stat)) return 'not-modified';
    const decision = ifRangeMatches(ifRange, stat.etag, new Date(stat.mtimeMs).toUTCString()) ? decideRange(header, stat.size) : ({ kind: 'full' } as const);
    if (decision.kind === 'unsatisfiable') return 'unsatisfiable';
    return decision.kind === 'partial' ? { start: decision.start, end: decision.end } : undefined;
  });
  const { stat, range } = opened;
  if (range === 'not-modified') return sendNotModified(ctx, stat);
  if (range === 'unsatisfiable') {
    ctx.set('Content-Range', `bytes */${stat.size}`);
    throw new AppError('RANGE_NOT_SATISFIABLE', `the requested range is not satisfiable: the file is ${stat.size} bytes long`, { details: { size: stat.size } });
  }
  validators(ctx, stat);
  ctx.set('Accept-Ranges', 'bytes');
  ctx.set('Content-Disposition', dispositionFor(stat.name, 'attachment'));
  ctx.body = opened.stream;
  ctx.type = 'application/octet-stream';
  if (range) {
    ctx.status = 206;
    ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`);
    ctx.length = range.end - range.start + 1;
  } else {
    ctx.status = 200;
    ctx.length = stat.size;
  }
}

/**
 * GET /api/files/preview: PNG, JPEG, GIF and WebP images and plain text inline (text as
 * text/plain; charset=utf-8), SVG only as an attachment, with the served-file headers (nosniff,
 * a sandboxing CSP); any other type is refused with 415 (even under a matching validator). A matching
 * If-None-Match or If-Modified-Since gets 304 with no body.
 */
export async function sendPreview(ctx: ApiContext, vfs: Vfs, actor: RequestActor<Principal>, path: string): Promise<void> {
  const { stat, stream, range } = await openStable(vfs, actor, path, (s) => (previewType(s.name) && clientHasCurrent(ctx, s) ? 'not-modified' : undefined));
  if (range === 'not-modified') return sendNotModified(ctx, stat);
  const type = previewType(stat.name);
  if (!type || !stream) {
    stream?.destroy();
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `no preview for ${stat.name}: previews exist for PNG, JPEG, GIF and WebP images and plain text; download the file instead`);
  }
  validators(ctx, stat);
  ctx.set('Content-Disposition', dispositionFor(stat.name, type.inline ? 'inline' : 'attachment'));
  ctx.body = stream;
  ctx.type = type.contentType;
  ctx.status = 200;
  ctx.length = stat.size;
}
