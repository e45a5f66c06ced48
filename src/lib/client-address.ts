import type { IncomingMessage } from 'node:http';

/**
 * The client's address for audit and throttling: behind a trusted proxy the first
 * X-Forwarded-For entry (the shipped nginx site replaces the header with the address it saw, so
 * that entry is the real client), otherwise the socket's peer. Koa's `ctx.ip` with `proxy: true`
 * picks the same entry.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress;
}
