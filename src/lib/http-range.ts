/** What to send for a GET with an optional Range header (RFC 9110 §14). Shared by the file API and WebDAV. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** One range of the `bytes` unit (the unit name is case-insensitive, RFC 9110 §14.1). */
const SINGLE = /^bytes=(\d*)-(\d*)$/i;

/**
 * Resolves a Range header against a representation of `size` bytes. Only one range is served:
 * a multi-range or malformed header is ignored (full response), as RFC 9110 §14.2 allows.
 * A syntactically valid range that selects nothing (start at or past the end, `bytes=-0`) is
 * unsatisfiable (416). `bytes=-N` is the last N bytes; ends past the size are clamped.
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (!header) return { kind: 'full' };
  const m = SINGLE.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix)) return { kind: 'full' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(start) || (last !== undefined && (!Number.isSafeInteger(last) || last < start))) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last ?? size - 1, size - 1) };
}

/**
 * If-Range (RFC 9110 §13.1.5): the range applies only while the validator still matches the
 * current entity tag (strong comparison) or, for a date, the exact Last-Modified value.
 */
export function ifRangeMatches(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (!ifRange) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  return value === lastModified;
}
