import http from 'node:http';

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

/**
 * The one node:http server: protocol mounts are tried in order (longest prefixes first),
 * everything else goes to Koa. WebDAV and tus never pass through Koa's body parsing.
 */
export function createHttpServer(mounts: Mount[], fallback: RequestHandler): http.Server {
  const ordered = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const mount = ordered.find((m) => matches(url, m.prefix));
    void Promise.resolve((mount ? mount.handler : fallback)(req, res)).catch((err: unknown) => {
      // Last line of defence: a protocol handler that throws must not leave the socket hanging.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy(err as Error);
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // large uploads may take longer than any fixed limit
  return server;
}
