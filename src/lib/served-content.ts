import { create as contentDisposition } from 'content-disposition';

/**
 * The one rule for serving a stored file's bytes to a browser, on nasd's own origin (WebDAV
 * GET/HEAD and the file API's download and preview). A user's file is untrusted: an HTML, SVG or
 * XML file with script, opened by another user or the admin, would otherwise run with the admin
 * UI's origin and reach its API.
 *
 * - `Content-Security-Policy: sandbox; default-src 'none'`: even if a browser renders the bytes as
 *   a document, it gets an opaque origin, runs no script and loads nothing.
 * - `X-Content-Type-Options: nosniff`: the declared type is final, so an "image" or "text" cannot be
 *   sniffed into HTML, nor loaded as a script or stylesheet from another page.
 * - `Cross-Origin-Resource-Policy: same-origin`: other sites cannot embed the file (a browser's
 *   cached Basic credentials would otherwise go with the request).
 * - Anything but a passive type (raster images, audio, video, plain text) is sent with
 *   `Content-Disposition: attachment`, so the browser saves it instead of showing it.
 */
export const SERVED_FILE_CSP = "sandbox; default-src 'none'";

/** Headers for every response that carries (or describes) a stored file's bytes. */
export const SERVED_FILE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': SERVED_FILE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Raster images a browser may show inline. SVG is absent on purpose: it can carry script. */
const PASSIVE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** The media type without parameters, lower case. */
function essence(contentType: string): string {
  return contentType.split(';', 1)[0].trim().toLowerCase();
}

/**
 * Whether a browser may render this type inline on nasd's origin: raster images, audio, video
 * and text/plain cannot run script. Everything else (HTML, XHTML, SVG, XML, JavaScript, PDF,
 * unknown types, …) is treated as active.
 */
export function isPassiveType(contentType: string): boolean {
  const type = essence(contentType);
  return PASSIVE_IMAGES.has(type) || type === 'text/plain' || type.startsWith('audio/') || type.startsWith('video/');
}

/**
 * Content-Disposition for any file name: quotes, backslashes, control characters, Unicode and
 * emoji are escaped or RFC 8187-encoded by the `content-disposition` package (with an ASCII
 * fallback), so a name can never break out of the header.
 */
export function dispositionFor(name: string, type: 'attachment' | 'inline'): string {
  return contentDisposition(name || 'download', { type });
}

/**
 * The served-file headers for `name` sent as `contentType`: SERVED_FILE_HEADERS, plus
 * `Content-Disposition: attachment` unless the type is passive.
 */
export function servedFileHeaders(name: string, contentType: string): Record<string, string> {
  if (isPassiveType(contentType)) return { ...SERVED_FILE_HEADERS };
  return { ...SERVED_FILE_HEADERS, 'Content-Disposition': dispositionFor(name, 'attachment') };
}
