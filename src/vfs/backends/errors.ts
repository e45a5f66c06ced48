import { AppError, VfsError, type ErrorCode } from '../../lib/errors.js';

const ERRNO_CODES: Record<string, ErrorCode> = {
  ENOENT: 'NOT_FOUND',
  EACCES: 'FORBIDDEN',
  EPERM: 'FORBIDDEN',
  EROFS: 'FORBIDDEN',
  ENOSPC: 'QUOTA_EXCEEDED',
  EDQUOT: 'QUOTA_EXCEEDED',
  EFBIG: 'QUOTA_EXCEEDED',
  EEXIST: 'ALREADY_EXISTS',
  ENOTEMPTY: 'ALREADY_EXISTS',
  ENOTDIR: 'NOT_A_DIRECTORY',
  EISDIR: 'IS_A_DIRECTORY',
  ENAMETOOLONG: 'VALIDATION',
  EINVAL: 'VALIDATION',
  ELOOP: 'FORBIDDEN',
  EXDEV: 'UNSUPPORTED',
  EBUSY: 'CONFLICT',
};

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'no such file or folder',
  FORBIDDEN: 'the storage refused access',
  QUOTA_EXCEEDED: 'the disk is full',
  ALREADY_EXISTS: 'the target already exists',
  NOT_A_DIRECTORY: 'a parent of the path is a file, not a folder',
  IS_A_DIRECTORY: 'the path is a folder',
  VALIDATION: 'the name is not accepted by the filesystem',
  UNSUPPORTED: 'the operation crosses filesystems',
  CONFLICT: 'the file is busy',
};

/**
 * The ONE place where raw filesystem errors become VfsErrors. Errors that are
 * already AppErrors pass through; unknown errnos become INTERNAL (their text is never shown).
 * `where` is a storage key (recorded in `details.storageKey`) or a description such as
 * 'temporary file', never the absolute disk path.
 */
export function classifyFsError(err: unknown, where: string): AppError {
  if (err instanceof AppError) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const code = errno ? ERRNO_CODES[errno] : undefined;
  if (!code) return new VfsError('INTERNAL', 'storage error', { cause: err, expose: false });
  return new VfsError(code, `${MESSAGES[code] ?? 'storage error'}: ${where}`, { cause: err, details: { storageKey: where } });
}

/**
 * A VfsError about a storage key: the message names the key and `details.storageKey` says so,
 * for the VFS to show the path as its client named it (see clientNamed in core.ts).
 */
export function keyError(code: ErrorCode, message: string, key: string): VfsError {
  return new VfsError(code, `${message}: ${key}`, { details: { storageKey: key } });
}
