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

/**
 * The one node:http server: protocol mounts are tried in order (longest prefixes first),
 * everything else goes to Koa. WebDAV and tus never pass through Koa's body parsing.
 * There is no whole-request timeout (an upload may take hours); slow or stuck clients are cut by
 * the headers timeout and the idle timeout, and floods by the connection caps. Accept errors
 * (out of file descriptors) are logged and the server keeps listening.
 */
export function createHttpServer(mounts: Mount[], fallback: RequestHandler, limits: HttpServerLimits, logger: Logger): http.Server {
  const ordered = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
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
      void Promise.resolve()
        .then(() => (mount ? mount.handler : fallback)(req, res))
        .catch((err: unknown) => {
          // Last line of defence: a protocol handler that throws must not leave the socket hanging.
          logger.error({ err, method: req.method, url }, 'request handler failed');
          if (!res.headersSent) {
            res.statusCode = 500;
            res.end();
          } else {
            res.destroy(err as Error);
          }
        });
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
  return server;
}
