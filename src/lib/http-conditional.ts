/**
 * HTTP validators (RFC 9110 §8.8 and §13): entity-tag lists, HTTP-dates and the 304 decision,
 * shared by WebDAV's GET and the file API's downloads so both answer a conditional request
 * alike.
 */

/** The request's cache validators (RFC 9110 §13.1.2 and §13.1.3), as sent. */
export interface ConditionalHeaders {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;
/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 form, both in GMT. */
const HTTP_DATE = /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4}|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2}) \d{2}:\d{2}:\d{2} GMT$/;

/** The entity tags of an If-Match / If-None-Match list, as sent (`*` is the caller's to test). */
export function entityTags(header: string): string[] {
  return header.match(ENTITY_TAG) ?? [];
}

/** Weak comparison (§8.8.3.2): `W/"x"` and `"x"` are equal. */
function weaklyEqual(a: string, b: string): boolean {
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return opaque(a) === opaque(b);
}

/**
 * An HTTP-date in GMT (IMF-fixdate or RFC 850; the zone-less asctime form is not taken) as ms
 * since the epoch; undefined for anything else, which a condition must then ignore.
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !HTTP_DATE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A Last-Modified as sent: whole seconds. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Whether a GET may be answered 304 Not Modified (RFC 9110 §13.2.2, steps 3 and 4; a 304
 * takes precedence over Range, which is evaluated after it). If-None-Match is a list of entity
 * tags, or `*`, compared weakly; when it is present If-Modified-Since is ignored. Otherwise
 * If-Modified-Since applies when it is one HTTP-date: not modified when the file's
 * Last-Modified is not later than it. Malformed headers never match, so the client gets the
 * full response.
 */
export function isNotModified(headers: ConditionalHeaders, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = headers.ifNoneMatch?.trim();
  if (ifNoneMatch) return ifNoneMatch === '*' || entityTags(ifNoneMatch).some((tag) => weaklyEqual(tag, etag));
  const since = parseHttpDate(headers.ifModifiedSince);
  return since !== undefined && wholeSeconds(mtimeMs) <= since;
}
