import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVED_FILE_HEADERS } from '../../src/lib/served-content.js';
import { options } from './methods/options.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** `/api`, `/api/…` or `/api?…`: the API answers its own OPTIONS. */
function isApi(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/** A browser's CORS preflight (it names the method it wants to send); the CORS policy answers it. */
function isPreflight(req: IncomingMessage): boolean {
  return req.headers['access-control-request-method'] !== undefined;
}

/**
 * Wraps the handler for everything outside the protocol mounts so that OPTIONS on any other
 * path, the server root `/` and `OPTIONS *` included, answers like OPTIONS under `/dav`: 200,
 * `DAV: 1, 2`, `MS-Author-Via: DAV` and the Allow list, without credentials. Windows' WebDAV
 * redirector probes the server root and a path's parents before anything else and gives up on
 * a server that answers them without DAV headers. The API and CORS preflights keep their own
 * OPTIONS handling.
 */
export function answerDavDiscovery(next: Handler): Handler {
  return (req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'OPTIONS' || isApi(url) || isPreflight(req)) return next(req, res);
    for (const [name, value] of Object.entries(SERVED_FILE_HEADERS)) res.setHeader(name, value);
    options(res);
  };
}
