import type { IncomingMessage } from 'node:http';
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
 * The byte range of a `Range: bytes=…` header against a file of `size` bytes. Only a single
 * range is honoured (several, or a syntax nasd does not know, → the whole file: null).
 * An unsatisfiable range is a 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new DavError(416, 'empty suffix range');
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size || size === 0) throw new DavError(416, 'range not satisfiable');
  return { start, end };
}

/** If-Range: the range applies only when the validator still matches (strong ETag or exact date). */
export function ifRangeHolds(req: IncomingMessage, stat: EntryStat): boolean {
  const v = header(req, 'if-range');
  if (v === undefined) return true;
  if (v.startsWith('"')) return v === formatEtag(stat);
  const date = Date.parse(v);
  return Number.isFinite(date) && seconds(date) === seconds(stat.mtimeMs);
}
