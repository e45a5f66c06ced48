/** The request's cache validators (RFC 9110 §13.1.2 and §13.1.3), as sent. */
export interface ConditionalHeaders {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;
/** IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850 form, both in GMT. */
const HTTP_DATE = /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4}|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2}) \d{2}:\d{2}:\d{2} GMT$/;

/** The opaque part of an entity tag (`W/"x"` and `"x"` are weakly equal, §8.8.3.2). */
function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * Whether a GET may be answered 304 Not Modified (RFC 9110 §13.2.2, steps 3 and 4; a 304
 * takes precedence over Range, which is evaluated after it). If-None-Match is a list of entity
 * tags, or `*`, compared weakly; when it is present If-Modified-Since is ignored. Otherwise
 * If-Modified-Since applies when it is one HTTP-date in GMT (IMF-fixdate or RFC 850; the
 * zone-less asctime form is ignored): not modified when the file's Last-Modified (whole
 * seconds, as sent) is not later than it. Malformed headers never match, so the client gets
 * the full response.
 */
export function isNotModified(headers: ConditionalHeaders, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = headers.ifNoneMatch?.trim();
  if (ifNoneMatch) {
    if (ifNoneMatch === '*') return true;
    const tags = ifNoneMatch.match(ENTITY_TAG) ?? [];
    return tags.some((tag) => opaque(tag) === opaque(etag));
  }
  const since = headers.ifModifiedSince?.trim();
  if (!since || !HTTP_DATE.test(since)) return false;
  const sinceMs = Date.parse(since);
  if (!Number.isFinite(sinceMs)) return false;
  return Math.floor(mtimeMs / 1000) * 1000 <= sinceMs;
}
