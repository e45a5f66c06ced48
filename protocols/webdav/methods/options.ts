import type { ServerResponse } from 'node:http';

/** Every method the handler implements, for Allow. */
export const ALLOWED_METHODS = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK';

/**
 * OPTIONS is answered without credentials (clients probe before they authenticate): compliance
 * classes 1 and 2, MS-Author-Via for Windows' WebDAV redirector, and the full Allow list.
 */
export function options(res: ServerResponse): void {
  res.writeHead(200, {
    DAV: '1, 2',
    'MS-Author-Via': 'DAV',
    Allow: ALLOWED_METHODS,
    'Content-Length': '0',
  });
  res.end();
}
