/**
 * The one error taxonomy of nasd and its HTTP status. Every layer throws these (never plain
 * objects); each edge answers `statusOf(code)` and keeps only its protocol's exceptions next to its
 * mapping function (tus: 413 for quota; WebDAV: per-method statuses of RFC 4918).
 */
const HTTP_STATUS = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PARENT_MISSING: 409,
  NOT_A_DIRECTORY: 409,
  IS_A_DIRECTORY: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
  PRECONDITION_FAILED: 412,
  QUOTA_EXCEEDED: 507,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  LOCKED: 423,
  OFFSET_MISMATCH: 409,
  /** tus checksum extension's status; WebDAV answers 400. */
  CHECKSUM_MISMATCH: 460,
  VALIDATION: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNSUPPORTED: 501,
  /** A request that names another server (a WebDAV Destination elsewhere, RFC 4918 §9.8.4). */
  BAD_GATEWAY: 502,
  DEVICE_NOT_FOUND: 404,
  DEVICE_BUSY: 409,
  HW_UNAVAILABLE: 503,
  /** nasd is not serving yet (migrating, starting) or any more (shutting down). */
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof HTTP_STATUS;

/** Every error code, in table order (tests and the API document list them). */
export const ERROR_CODES = Object.keys(HTTP_STATUS) as ErrorCode[];

/** The HTTP status of a code on every edge that has no exception for it. */
export function statusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

export interface AppErrorOptions {
  cause?: unknown;
  /** Extra machine-readable facts for the client (field errors, retry time…). */
  details?: unknown;
  /** Whether the message may be shown to the client; defaults to true except for INTERNAL. */
  expose?: boolean;
}

/** Base class: a typed, coded error. `expose` says whether `message` may reach a client. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.expose = options.expose ?? code !== 'INTERNAL';
    this.details = options.details;
  }
}

/** Storage errors raised by the VFS and its backends. */
export class VfsError extends AppError {}

/** Authentication and authorization failures. */
export class AuthError extends AppError {}

/** Bad input: a field, a name, a header. `details` lists the offending fields when known. */
export class ValidationError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('VALIDATION', message, options);
  }
}

/** Too many attempts; `retryAfterSeconds` goes to the Retry-After header. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { details: { retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Hardware backends: device absent, busy, or the tool/sysfs unavailable. */
export class HardwareError extends AppError {}

/** Configuration that cannot be used; the message names the setting. */
export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`invalid setting ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** A client that went away mid-request is not a server fault (logged at debug, never a 500). */
export function isClientAbort(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED';
}
