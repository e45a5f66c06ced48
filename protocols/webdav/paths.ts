import { ValidationError } from '../../src/lib/errors.js';
import { DavError } from './errors.js';

/** A request target below the mount prefix. */
export interface DavTarget {
  /** Decoded virtual path for the VFS: `/` or `/a/b` (no trailing slash). */
  path: string;
  /** The client wrote a trailing slash (a collection URL). */
  slash: boolean;
}

/**
 * Turns the raw URL path (query stripped) into a VFS path, mount prefix removed. Each segment is
 * percent-decoded exactly once (invalid escapes or invalid UTF-8 → 400), and a decoded segment
 * is a name, never a path: one that decodes to something containing `/` (`a%2Fb`, `..%2f`) is
 * refused with 400 instead of becoming two segments. `%25` and `%2e` therefore stay literal
 * characters of a name (`50%25.txt` names `50%.txt`). Checking the names themselves is the VFS's job.
 */
export function decodeTarget(rawUrl: string, prefix: string): DavTarget {
  const q = rawUrl.indexOf('?');
  const raw = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  if (raw !== prefix && !raw.startsWith(`${prefix}/`)) throw new DavError('NOT_FOUND', 'outside the WebDAV root');
  const rest = raw.slice(prefix.length);
  const segments: string[] = [];
  for (const encoded of rest.split('/')) {
    if (encoded === '') continue;
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      throw new ValidationError('request path has an invalid percent-encoding or is not UTF-8');
    }
    if (name.includes('/')) throw new ValidationError('a name must not contain "/" (an encoded %2F in the request path)');
    segments.push(name);
  }
  return { path: `/${segments.join('/')}`, slash: rest.endsWith('/') };
}

/** Percent-encodes one path segment for an href (RFC 3986 unreserved characters stay as they are). */
export function encodeSegment(name: string): string {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/dav` + each segment encoded; collections end with `/`. */
export function hrefFor(prefix: string, path: string, collection: boolean): string {
  if (path === '/' || path === '') return `${prefix}/`;
  let s = prefix;
  for (const seg of path.split('/')) if (seg) s += `/${encodeSegment(seg)}`;
  return collection ? `${s}/` : s;
}

/** Parent virtual path (`/a/b` → `/a`, `/a` → `/`). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Resolves a URI from a Destination header or an If resource tag to a target on this server.
 * Absolute URIs must name this host (the request's Host, same port) and lie under the prefix;
 * otherwise `null` (the caller answers 502 for Destination, "no match" for If).
 */
export function resolveUri(uri: string, host: string | undefined, prefix: string): DavTarget | null {
  let pathPart = uri;
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    // Read as written, not through URL: its parser would resolve `%2e%2e` segments (which must
    // be refused) and read backslashes as slashes.
    const m = /^(https?):\/\/([^/?#]*)([^?#]*)/i.exec(uri);
    if (!m) return null;
    const protocol = `${m[1].toLowerCase()}:`;
    if (!host || normaliseHost(m[2], protocol) !== normaliseHost(host, protocol)) return null;
    pathPart = m[3] || '/';
  } else if (!uri.startsWith('/')) {
    return null;
  }
  try {
    return decodeTarget(pathPart, prefix);
  } catch (err) {
    if (err instanceof DavError) return null;
    throw err;
  }
}

/** A host and port as compared: lower case, the protocol's default port dropped. */
function normaliseHost(host: string, protocol: string): string {
  const h = host.toLowerCase();
  if (protocol === 'http:' && h.endsWith(':80')) return h.slice(0, -3);
  if (protocol === 'https:' && h.endsWith(':443')) return h.slice(0, -4);
  return h;
}
