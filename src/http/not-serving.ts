import type http from 'node:http';
import { statusOf } from '../lib/errors.js';
import type { Readiness } from './readiness.js';
import type { RequestHandler } from './server.js';

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/**
 * What nasd answers while it is not serving (starting up, or shutting down on a connection that
 * was already open): `GET /api/health` says the process is alive, `GET /api/health/ready` gives
 * the reason it is not ready, and anything else is 503 `UNAVAILABLE` with `Retry-After`.
 */
export function notServingHandler(readiness: Readiness, liveness: () => unknown): RequestHandler {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === '/api/health') return sendJson(res, 200, liveness());
    const answer = await readiness.check();
    if (read && path === '/api/health/ready') return sendJson(res, answer.ready ? 200 : 503, answer);
    const reason = answer.ready ? 'starting' : answer.reason;
    res.setHeader('Retry-After', '5');
    res.setHeader('Connection', 'close');
    sendJson(res, statusOf('UNAVAILABLE'), { error: { code: 'UNAVAILABLE', message: `nasd is not serving (${reason}); try again shortly` } });
  };
}
