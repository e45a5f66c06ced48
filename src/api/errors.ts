import type Koa from 'koa';
import { AppError, RateLimitedError, isClientAbort, statusOf } from '../lib/errors.js';
import type { ApiState } from './context.js';

/** Errors from Koa and its middleware (http-errors) carry `status` and `expose`. */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  type?: string;
}

function fromHttpError(err: HttpLikeError): AppError | undefined {
  const status = err.status ?? err.statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  const message = err.expose !== false && err.message ? err.message : 'bad request';
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', message);
  if (err.type === 'entity.parse.failed' || /JSON/i.test(message)) return new AppError('VALIDATION', 'malformed JSON body');
  if (status === 401) return new AppError('UNAUTHENTICATED', message);
  if (status === 403) return new AppError('FORBIDDEN', message);
  if (status === 404) return new AppError('NOT_FOUND', message);
  if (status === 405) return new AppError('METHOD_NOT_ALLOWED', message);
  return new AppError('VALIDATION', message);
}

/**
 * Outermost API middleware: turns any thrown error into `{"error":{code,message,details}}` with
 * the status `statusOf(code)` (the admin API has no exceptions to the table). 4xx messages are
 * shown; 5xx messages are replaced and logged with the request id.
 */
export function errorMapper(): Koa.Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (raw) {
      if (isClientAbort(raw)) {
        ctx.state.log?.debug({ err: raw }, 'client went away');
        return;
      }
      const err = raw instanceof AppError ? raw : fromHttpError(raw as HttpLikeError);
      if (!err || !err.expose || err.code === 'INTERNAL') {
        ctx.state.log?.error({ err: raw }, 'request failed');
        ctx.status = 500;
        ctx.body = { error: { code: 'INTERNAL', message: `internal error (request ${ctx.state.requestId})` } };
        return;
      }
      ctx.status = statusOf(err.code);
      if (err instanceof RateLimitedError) ctx.set('Retry-After', String(err.retryAfterSeconds));
      if (err.code === 'UNAUTHENTICATED') ctx.set('WWW-Authenticate', 'Bearer realm="nasd"');
      ctx.body = { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
    }
  };
}
