import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError, isAppError, isClientAbort } from '../../src/lib/errors.js';
import { SERVED_FILE_HEADERS } from '../../src/lib/served-content.js';
import { isServerFault, refusalFields, type Logger } from '../../src/lib/log.js';
import type { BasicAuthVerifier } from '../../src/services/identity/index.js';
import { actingAs, requestActor, type Principal, type RequestActor } from '../../src/lib/request-actor.js';
import type { DavLockStore, Vfs } from '../../src/vfs/index.js';
import { DavContext, readIfHeader, type DavDeps } from './context.js';
import { davErrorResponse, type DavOperation } from './errors.js';
import { submittedTokens } from './if-header.js';
import { copyMove } from './methods/copy-move.js';
import { del } from './methods/delete.js';
import { getHead } from './methods/get-head.js';
import { lock, unlock } from './methods/lock-unlock.js';
import { mkcol } from './methods/mkcol.js';
import { ALLOWED_METHODS, options } from './methods/options.js';
import { propfind } from './methods/propfind.js';
import { proppatch } from './methods/proppatch.js';
import { put } from './methods/put.js';
import { ClientGoneError } from './multistatus.js';
import { decodeTarget } from './paths.js';

export interface WebdavOptions {
  vfs: Vfs;
  locks: DavLockStore;
  /** The identity service's Basic check (password with 2FA off, or an app password; cached, rate-limited). */
  verify: BasicAuthVerifier;
  logger: Logger;
  /** Mount prefix (default `/dav`). */
  prefix?: string;
  /** Largest XML body (default 1 MiB). */
  maxXmlBytes?: number;
  /**
   * Lock timeouts: default and cap, seconds (both 1 h by default). Clients refresh the locks
   * they keep (macOS's webdavfs asks for 600 s; Windows and Office refresh while a file is
   * open), so the cap only bounds how long a lock left by a client that went away blocks
   * others. `Timeout: Infinite` gets the cap.
   */
  defaultLockSeconds?: number;
  maxLockSeconds?: number;
  /** Take the client address from X-Forwarded-For (behind nginx). */
  trustProxy?: boolean;
}

type Method = (ctx: DavContext) => Promise<void>;

const METHODS: Record<string, { run: Method; op: DavOperation }> = {
  GET: { run: (c) => getHead(c, false), op: 'read' },
  HEAD: { run: (c) => getHead(c, true), op: 'read' },
  PROPFIND: { run: propfind, op: 'read' },
  PROPPATCH: { run: proppatch, op: 'other' },
  PUT: { run: put, op: 'put' },
  MKCOL: { run: mkcol, op: 'mkcol' },
  DELETE: { run: del, op: 'other' },
  COPY: { run: (c) => copyMove(c, false), op: 'copymove' },
  MOVE: { run: (c) => copyMove(c, true), op: 'copymove' },
  LOCK: { run: lock, op: 'put' },
  UNLOCK: { run: unlock, op: 'other' },
};

/** Decodes `Authorization: Basic …`; null when absent or not Basic. */
function basicCredentials(req: IncomingMessage): { username: string; password: string } | null {
  const m = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** How long an unread request body is drained after an error answer before the socket is dropped. */
const DISCARD_BODY_MS = 5000;

/**
 * Reads and throws away what is left of a request body after answering early (413, 401, 507…).
 * Closing a socket with unread bytes makes the kernel reset the connection, and the client may
 * lose the answer it was sent (RFC 9112 §9.6, lingering close); a client that keeps sending past
 * DISCARD_BODY_MS is cut off.
 */
function discardRestOfBody(req: IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_BODY_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/**
 * nasd's WebDAV server (RFC 4918 class 1 and 2, RFC 4331 quota) as a node:http handler for
 * the `/dav` mount. Authenticates every request but OPTIONS with HTTP Basic, dispatches by
 * method, and turns every failure into a status through errors.ts: no error escapes, no
 * socket is left hanging.
 */
export function createWebdavHandler(opts: WebdavOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const deps: DavDeps = {
    vfs: opts.vfs,
    locks: opts.locks,
    logger: opts.logger,
    prefix: opts.prefix ?? '/dav',
    maxXmlBytes: opts.maxXmlBytes ?? 1024 * 1024,
    defaultLockSeconds: opts.defaultLockSeconds ?? 3600,
    maxLockSeconds: opts.maxLockSeconds ?? 3600,
  };
  const trustProxy = opts.trustProxy ?? false;

  async function authenticate(req: IncomingMessage, caller: RequestActor<null>): Promise<Principal> {
    const cred = basicCredentials(req);
    if (!cred) throw new AuthError('UNAUTHENTICATED', 'credentials required');
    return opts.verify(cred.username, cred.password, caller);
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown, op: DavOperation): void {
    if (err instanceof ClientGoneError || isClientAbort(err)) {
      opts.logger.debug({ err, method: req.method, url: req.url }, 'webdav client went away');
      res.destroy();
      return;
    }
    const answer = davErrorResponse(err, op);
    if (isServerFault(answer.status)) opts.logger.error({ err, method: req.method, url: req.url }, 'webdav request failed');
    else opts.logger.info({ ...refusalFields(answer.status, err), method: req.method, url: req.url }, 'webdav request refused');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers: Record<string, string> = { ...answer.headers };
    if (!req.complete) discardRestOfBody(req);
    let body: Buffer | undefined;
    if (answer.body) body = Buffer.from(answer.body, 'utf8');
    else if (isAppError(err) && err.expose && answer.status !== 401) body = Buffer.from(`${err.message}\n`, 'utf8');
    if (body) headers['Content-Type'] = answer.body ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8';
    headers['Content-Length'] = String(body?.length ?? 0);
    res.writeHead(answer.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return async (req, res) => {
    const method = (req.method ?? '').toUpperCase();
    const entry = METHODS[method];
    // Every answer (errors and the HTML folder listing included) is sandboxed and never sniffed.
    for (const [name, value] of Object.entries(SERVED_FILE_HEADERS)) res.setHeader(name, value);
    try {
      if (method === 'OPTIONS') return options(res);
      if (!entry) {
        res.writeHead(501, { Allow: ALLOWED_METHODS, 'Content-Length': '0' });
        res.end();
        return;
      }
      const caller = requestActor(req, 'webdav', null, trustProxy);
      const principal = await authenticate(req, caller);
      const target = decodeTarget(req.url ?? '/', deps.prefix);
      const ifHeader = readIfHeader(req);
      // The VFS enforces locks for every protocol; a WebDAV client proves it holds one by its token.
      const actor = { ...actingAs(caller, principal), ...(ifHeader ? { lockTokens: submittedTokens(ifHeader) } : {}) };
      await entry.run(new DavContext(req, res, deps, actor, target, ifHeader));
    } catch (err) {
      try {
        fail(req, res, err, entry?.op ?? 'other');
      } catch (failure) {
        opts.logger.error({ err: failure }, 'webdav error response failed');
        res.destroy();
      }
    }
  };
}
