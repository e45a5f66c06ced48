import http from 'node:http';
import type { Logger } from '../lib/log.js';
import { ConnectionLimiter, type ConnectionCaps } from './connection-limits.js';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** A protocol mounted at a path prefix (`/dav`, `/api/uploads`). */
export interface Mount {
  prefix: string;
  handler: RequestHandler;
}

function matches(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url.charAt(prefix.length);
  return next === '' || next === '/' || next === '?';
}

/** Connection caps and timeouts of the HTTP server. */
export interface HttpServerLimits {
  connections: ConnectionCaps;
  /** Time a client has to send a request's complete headers. */
  headersTimeoutMs: number;
  /**
   * A request whose body stops arriving for this long is closed (0 = never). Uploads that keep
   * sending never trip it, however long they take; it is lifted once the request is fully
   * received, while nasd works on it and sends the answer.
   */
  idleTimeoutMs: number;
}

/** How long an idle keep-alive connection waits for its next request. */
const KEEP_ALIVE_MS = 65_000;
/** After the grace period, how long cut requests get to clean up (temp files, reservations) before shutdown goes on. */
const CLEANUP_AFTER_CUT_MS = 10_000;

/** The HTTP front of nasd: the server, what it routes to, and its graceful stop. */
export interface HttpFront {
  readonly server: http.Server;
  /** From now on requests go to the protocol mounts and `fallback`; until then every one goes to `notServing`. */
  mount(mounts: Mount[], fallback: RequestHandler): void;
  /**
   * Graceful stop: no new connections, idle keep-alive ones closed, a request arriving on an open
   * one answered by `notServing` with `Connection: close`. Running requests get `graceMs` to
   * finish; then their connections are destroyed. Resolves once every handler has settled, with
   * how many requests were cut.
   */
  drain(graceMs: number): Promise<{ cut: number }>;
}

/**
 * The one node:http server: protocol mounts are tried in order (longest prefixes first),
 * everything else goes to Koa. WebDAV and tus never pass through Koa's body parsing.
 * There is no whole-request timeout (an upload may take hours); slow or stuck clients are cut by
 * the headers timeout and the idle timeout, and floods by the connection caps. Accept errors
 * (out of file descriptors) are logged and the server keeps listening. Before `mount()` and
 * while draining, requests get `notServing` (liveness, readiness, 503 for the rest).
 */
export function createHttpServer(limits: HttpServerLimits, notServing: RequestHandler, logger: Logger): HttpFront {
  let ordered: Mount[] = [];
  let fallback: RequestHandler | undefined;
  let draining = false;
  // A request runs until its handler has settled and its response has closed (a cut one may
  // still be cleaning up). The hot path only counts and tracks; promises exist only for drain().
  let running = 0;
  const handling = new Set<http.ServerResponse>();
  const open = new Set<http.ServerResponse>();
  const whenSettled: Array<() => void> = [];
  const finished = (res: http.ServerResponse) => {
    if (handling.has(res) || open.has(res)) return;
    running--;
    if (!draining) return;
    // A response that had sent its headers before the drain kept its connection alive.
    setImmediate(() => server.closeIdleConnections());
    if (running === 0) for (const resolve of whenSettled.splice(0)) resolve();
  };
  function onClose(this: http.ServerResponse) {
    this.off('close', onClose);
    open.delete(this);
    finished(this);
  }
  const handle = async (handler: RequestHandler, req: http.IncomingMessage, res: http.ServerResponse, url: string) => {
    try {
      await handler(req, res);
    } catch (err) {
      // Last line of defence: a protocol handler that throws must not leave the socket hanging.
      logger.error({ err, method: req.method, url }, 'request handler failed');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy(err as Error);
      }
    } finally {
      handling.delete(res);
      finished(res);
    }
  };
  const limiter = new ConnectionLimiter(limits.connections);
  const idle = limits.idleTimeoutMs;
  const server = http.createServer(
    // The headers timeout is only enforced when Node checks connections; check often enough for a short one.
    { connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 2))) },
    (req, res) => {
      if (limiter.isRefused(req.socket)) {
        req.socket.destroy();
        return;
      }
      if (idle > 0) {
        // The body is in: nasd's own work (a large COPY, a long listing) may be silent for a while.
        const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
        if (hasBody) req.once('end', () => req.socket.setTimeout(0));
        else req.socket.setTimeout(0);
        res.once('finish', () => req.socket.setTimeout(idle));
      }
      const url = req.url ?? '/';
      const mount = ordered.find((m) => matches(url, m.prefix));
      const handler = draining || !fallback ? notServing : mount ? mount.handler : fallback;
      if (draining) res.setHeader('Connection', 'close');
      running++;
      handling.add(res);
      open.add(res);
      res.on('close', onClose);
      void handle(handler, req, res, url);
    },
  );
  server.on('connection', (socket) => limiter.admit(socket));
  server.keepAliveTimeout = idle > 0 ? Math.min(KEEP_ALIVE_MS, idle) : KEEP_ALIVE_MS;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = 0; // large uploads may take longer than any fixed limit
  server.timeout = idle; // socket inactivity; Node destroys the socket when no one handles 'timeout'
  let lastAcceptError = 0;
  server.once('listening', () =>
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (Date.now() - lastAcceptError < 1000) return;
      lastAcceptError = Date.now();
      logger.warn({ err: { message: err.message, code: err.code }, connections: limiter.stats }, 'http: accepting a connection failed; still listening');
    }),
  );
  /** Whether every running request (and any that arrives meanwhile) settles within `ms`. */
  const settledWithin = (ms: number): Promise<boolean> => {
    if (running === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        whenSettled.splice(whenSettled.indexOf(settled), 1);
        resolve(false);
      }, ms);
      const settled = () => {
        clearTimeout(timer);
        resolve(true);
      };
      whenSettled.push(settled);
    });
  };
  return {
    server,
    mount(mounts, handler) {
      ordered = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
      fallback = handler;
    },
    async drain(graceMs) {
      draining = true;
      if (server.listening) server.close();
      server.closeIdleConnections();
      for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
      if (await settledWithin(graceMs)) return { cut: 0 };
      const cut = running;
      server.closeAllConnections();
      if (!(await settledWithin(CLEANUP_AFTER_CUT_MS))) logger.warn({ requests: running }, 'http: requests still cleaning up after being cut; shutting down anyway');
      return { cut };
    },
  };
}
