import { pipeline } from 'node:stream/promises';
import { isAppError } from '../../../src/lib/errors.js';
import { servedFileHeaders } from '../../../src/lib/served-content.js';
import type { ByteRange, EntryStat, OpenedFile } from '../../../src/vfs/index.js';
import type { DavContext } from '../context.js';
import { DavError } from '../errors.js';
import { contentTypeFor, formatEtag } from '../live-props.js';
import { encodeSegment } from '../paths.js';
import { httpPrecondition, ifRangeHolds, parseRange } from '../preconditions.js';
import { escapeXml } from '../xml.js';

function validators(stat: Pick<EntryStat, 'etag' | 'mtimeMs'>): Record<string, string> {
  return { ETag: formatEtag(stat), 'Last-Modified': new Date(stat.mtimeMs).toUTCString() };
}

const CONDITIONAL = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

/**
 * Files up to this size are read into memory in one call and sent with one write: for small
 * files the read stream's machinery costs more than the bytes.
 */
const INLINE_BYTES = 64 * 1024;

/** The fast path for a plain GET: one VFS call; null when the target is a collection. */
async function openWhole(ctx: DavContext, path: string): Promise<OpenedFile | null> {
  try {
    return await ctx.vfs.openWhole(ctx.actor, path, INLINE_BYTES);
  } catch (err) {
    if (isAppError(err) && err.code === 'IS_A_DIRECTORY') return null;
    throw err;
  }
}

/** A plain HTML index for a browser that opens a collection URL. */
async function listing(ctx: DavContext, stat: EntryStat, head: boolean): Promise<void> {
  const entries = head ? [] : await ctx.vfs.list(ctx.actor, stat.path);
  const base = ctx.href(ctx.target.path, true);
  let html = `<!doctype html><meta charset="utf-8"><title>${escapeXml(base)}</title><h1>${escapeXml(decodeURI(base))}</h1><ul>`;
  for (const e of entries) {
    const slash = e.type === 'directory' ? '/' : '';
    html += `<li><a href="${base}${encodeSegment(e.name)}${slash}">${escapeXml(e.name)}${slash}</a></li>`;
  }
  html += '</ul>\n';
  const body = Buffer.from(html, 'utf8');
  ctx.res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length), ...validators(stat) });
  ctx.res.end(head ? undefined : body);
}

/**
 * GET and HEAD (RFC 9110): validators, conditional requests (304/412), a single byte range
 * (206, or 416 with the size), Content-Type from the file name. The body is streamed from the
 * VFS; only the requested range is read. A file goes out with the served-file headers, so an
 * active type (HTML, SVG, XML, script…) is an attachment and never runs on nasd's origin.
 */
export async function getHead(ctx: DavContext, head: boolean): Promise<void> {
  const { vfs, actor, req, res } = ctx;
  const path = ctx.target.path;
  if (!head && !CONDITIONAL.some((h) => req.headers[h] !== undefined)) {
    const opened = await openWhole(ctx, path);
    if (opened) {
      const size = opened.data ? opened.data.length : opened.stat.size;
      const type = contentTypeFor(opened.stat.name);
      res.writeHead(200, { ...validators(opened.stat), ...servedFileHeaders(opened.stat.name, type), 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Content-Length': String(size) });
      if (opened.data) res.end(opened.data);
      else await opened.send(res);
      return;
    }
  }
  const stat = await vfs.stat(actor, path);
  const pre = httpPrecondition(req, stat, true);
  if (pre !== null) {
    ctx.empty(pre, pre === 304 ? validators(stat) : {});
    return;
  }
  if (stat.type === 'directory') return listing(ctx, stat, head);

  let range: ByteRange | null = null;
  if (req.headers.range !== undefined && ifRangeHolds(req, stat)) {
    try {
      range = parseRange(req.headers.range, stat.size);
    } catch (err) {
      if (!(err instanceof DavError) || err.code !== 'RANGE_NOT_SATISFIABLE') throw err;
      ctx.empty(416, { 'Content-Range': `bytes */${stat.size}` });
      return;
    }
  }
  const type = contentTypeFor(stat.name);
  const headers: Record<string, string> = {
    ...validators(stat),
    ...servedFileHeaders(stat.name, type),
    'Content-Type': type,
    'Accept-Ranges': 'bytes',
    'Content-Length': String(range ? range.end - range.start + 1 : stat.size),
  };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${stat.size}`;
  if (head) {
    res.writeHead(range ? 206 : 200, headers);
    res.end();
    return;
  }
  const opened = await vfs.openRead(actor, path, range ?? undefined);
  res.writeHead(range ? 206 : 200, headers);
  await pipeline(opened.stream, res);
}
