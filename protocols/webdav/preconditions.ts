import type { IncomingMessage } from 'node:http';
import { decideRange, ifRangeMatches } from '../../src/lib/http-range.js';
import type { ByteRange, EntryStat } from '../../src/vfs/index.js';
import { header } from './body.js';
import { DavError } from './errors.js';
import { formatEtag } from './live-props.js';

function etagList(header: string): string[] {
  return header.split(',').map((s) => s.trim()).filter(Boolean);
}

function weakEquals(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * HTTP conditional headers (RFC 9110 §13.2.2 order): If-Match / If-Unmodified-Since fail with
 * 412; If-None-Match / If-Modified-Since answer 304 for GET and HEAD and 412 otherwise.
 * `stat` is null for a missing resource. Returns the status to answer with, or null to go on.
 */
export function httpPrecondition(req: IncomingMessage, stat: EntryStat | null, read: boolean): number | null {
  const etag = stat ? formatEtag(stat) : null;
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined) {
    const list = etagList(ifMatch);
    const ok = etag !== null && (list.includes('*') || list.some((t) => !t.startsWith('W/') && t === etag));
    if (!ok) return 412;
  } else if (req.headers['if-unmodified-since'] !== undefined && stat) {
    const since = Date.parse(req.headers['if-unmodified-since']);
    if (Number.isFinite(since) && seconds(stat.mtimeMs) > seconds(since)) return 412;
  }
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const list = etagList(ifNoneMatch);
    const match = etag !== null && (list.includes('*') || list.some((t) => weakEquals(t, etag)));
    if (match) return read ? 304 : 412;
  } else if (read && req.headers['if-modified-since'] !== undefined && stat) {
    const since = Date.parse(req.headers['if-modified-since']);
    if (Number.isFinite(since) && seconds(stat.mtimeMs) <= seconds(since)) return 304;
  }
  return null;
}

/**
 * The byte range of a `Range: bytes=…` header against a file of `size` bytes (the shared
 * src/lib/http-range.ts rules): null for the whole file (none, several, or a syntax nasd does
 * not know), a 416 DavError when nothing can be served.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  const decision = decideRange(header, size);
  if (decision.kind === 'full') return null;
  if (decision.kind === 'unsatisfiable') throw new DavError(416, 'range not satisfiable');
  return { start: decision.start, end: decision.end };
}

/** If-Range: the range applies only while the validator still matches (strong ETag or exact Last-Modified). */
export function ifRangeHolds(req: IncomingMessage, stat: EntryStat): boolean {
  return ifRangeMatches(header(req, 'if-range'), formatEtag(stat), new Date(stat.mtimeMs).toUTCString());
}
