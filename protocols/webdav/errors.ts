import { AppError, isAppError, RateLimitedError, statusOf, type ErrorCode } from '../../src/lib/errors.js';
import { escapeXml } from './xml.js';

/** Which operation failed: some codes map differently per method (RFC 4918 §9.3.1, §9.8.5, §9.9.4). */
export type DavOperation = 'read' | 'put' | 'mkcol' | 'copymove' | 'other';

/**
 * A refusal decided by the WebDAV layer itself (412 precondition, 415 media type, 416 range, 502
 * foreign destination, 403 with a precondition element…). It answers exactly `statusOf(code)`,
 * without the per-method exceptions below. `condition` is the local name of a DAV:
 * precondition/postcondition element for the `<D:error>` body; `hrefs` go inside it.
 */
export class DavError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly condition?: string,
    readonly hrefs: string[] = [],
  ) {
    super(code, message, { expose: true });
  }
}

/** Status, extra headers and (optional) XML body for an error. */
export interface DavErrorResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

function errorBody(condition: string, hrefs: string[] = []): string {
  const inner = hrefs.map((h) => `<D:href>${escapeXml(h)}</D:href>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:${condition}>${inner}</D:${condition}></D:error>\n`;
}

/** WebDAV's exceptions to `statusOf` for errors raised below the protocol (RFC 4918 §9.3.1, §9.7.1, §9.8.5, §9.9.4). */
function statusFor(code: ErrorCode, op: DavOperation): number {
  switch (code) {
    case 'NOT_FOUND':
      return op === 'put' || op === 'mkcol' ? 409 : 404;
    case 'ALREADY_EXISTS':
      return op === 'mkcol' ? 405 : op === 'copymove' ? 412 : 409;
    case 'IS_A_DIRECTORY':
      return op === 'put' ? 405 : 409;
    case 'CHECKSUM_MISMATCH':
      return 400;
    default:
      return statusOf(code);
  }
}

/** The one place that turns any thrown value into a WebDAV answer. */
export function davErrorResponse(err: unknown, op: DavOperation = 'other'): DavErrorResponse {
  if (err instanceof DavError) {
    const res: DavErrorResponse = { status: statusOf(err.code), headers: {} };
    if (err.condition) res.body = errorBody(err.condition, err.hrefs);
    return res;
  }
  if (!isAppError(err)) return { status: 500, headers: {} };
  const status = statusFor(err.code, op);
  const res: DavErrorResponse = { status, headers: {} };
  if (status === 401) res.headers['WWW-Authenticate'] = 'Basic realm="nasd"';
  if (err instanceof RateLimitedError) res.headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
  if (status === 423) res.body = errorBody('lock-token-submitted', hrefsOf(err.details));
  if (status === 507 && op !== 'read') res.body = errorBody('quota-not-exceeded');
  return res;
}

function hrefsOf(details: unknown): string[] {
  const hrefs = (details as { hrefs?: unknown } | undefined)?.hrefs;
  return Array.isArray(hrefs) ? hrefs.filter((h): h is string => typeof h === 'string') : [];
}
