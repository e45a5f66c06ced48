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
 * Turns the raw URL path (query stripped) into a VFS path: percent-decoded exactly once
 * (invalid escapes or invalid UTF-8 → 400), mount prefix removed. Normalising and jailing is
 * the VFS's job; this only refuses what cannot be a path at all.
 */
export function decodeTarget(rawUrl: string, prefix: string): DavTarget {
  const q = rawUrl.indexOf('?');
  const raw = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  if (raw !== prefix && !raw.startsWith(`${prefix}/`)) throw new DavError('NOT_FOUND', 'outside the WebDAV root');
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.slice(prefix.length));
  } catch {
    throw new ValidationError('request path has an invalid percent-encoding or is not UTF-8');
  }
  const slash = decoded.endsWith('/');
  let path = decoded.replace(/\/+$/, '');
  if (!path.startsWith('/')) path = `/${path}`;
  return { path, slash };
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
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!host || url.host.toLowerCase() !== normaliseHost(host, url.protocol)) return null;
    pathPart = url.pathname;
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

/** The Host header as URL.host would print it (default port dropped, lower case). */
function normaliseHost(host: string, protocol: string): string {
  const h = host.toLowerCase();
  if (protocol === 'http:' && h.endsWith(':80')) return h.slice(0, -3);
  if (protocol === 'https:' && h.endsWith(':443')) return h.slice(0, -4);
  return h;
}
