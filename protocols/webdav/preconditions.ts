import type { IncomingMessage } from 'node:http';
import { entityTags, isNotModified, parseHttpDate, wholeSeconds } from '../../src/lib/http-conditional.js';
import { decideRange, ifRangeMatches } from '../../src/lib/http-range.js';
import type { ByteRange, EntryStat } from '../../src/vfs/index.js';
import { header } from './body.js';
import { DavError } from './errors.js';
import { formatEtag } from './live-props.js';

/**
 * HTTP conditional headers (RFC 9110 §13.2.2 order): If-Match / If-Unmodified-Since fail with
 * 412; If-None-Match / If-Modified-Since answer 304 for GET and HEAD and 412 otherwise (the
 * shared rules of src/lib/http-conditional.ts). `stat` is null for a missing resource. Returns
 * the status to answer with, or null to go on.
 */
export function httpPrecondition(req: IncomingMessage, stat: EntryStat | null, read: boolean): number | null {
  const etag = stat ? formatEtag(stat) : null;
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined) {
    // Strong comparison: a weak tag never matches.
    const ok = etag !== null && (ifMatch.trim() === '*' || entityTags(ifMatch).includes(etag));
    if (!ok) return 412;
  } else if (stat) {
    const since = parseHttpDate(req.headers['if-unmodified-since']);
    if (since !== undefined && wholeSeconds(stat.mtimeMs) > since) return 412;
  }
  if (!stat || etag === null) return null;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) return isNotModified({ ifNoneMatch }, etag, stat.mtimeMs) ? (read ? 304 : 412) : null;
  if (read && isNotModified({ ifModifiedSince: req.headers['if-modified-since'] }, etag, stat.mtimeMs)) return 304;
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
  if (decision.kind === 'unsatisfiable') throw new DavError('RANGE_NOT_SATISFIABLE', 'range not satisfiable');
  return { start: decision.start, end: decision.end };
}

/** If-Range: the range applies only while the validator still matches (strong ETag or exact Last-Modified). */
export function ifRangeHolds(req: IncomingMessage, stat: EntryStat): boolean {
  return ifRangeMatches(header(req, 'if-range'), formatEtag(stat), new Date(stat.mtimeMs).toUTCString());
}
