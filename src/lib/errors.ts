/**
 * The one error taxonomy of nasd. Every layer throws these (never plain objects) and each edge
 * (API, WebDAV, tus) maps `code` to its own status in exactly one place.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PARENT_MISSING'
  | 'NOT_A_DIRECTORY'
  | 'IS_A_DIRECTORY'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'QUOTA_EXCEEDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'LOCKED'
  | 'OFFSET_MISMATCH'
  | 'CHECKSUM_MISMATCH'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNSUPPORTED'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_BUSY'
  | 'HW_UNAVAILABLE'
  | 'INTERNAL';

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
