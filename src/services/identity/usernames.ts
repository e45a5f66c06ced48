import { ValidationError } from '../../lib/errors.js';

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * Names that would collide with system accounts, Samba sections or the storage layout
 * (`homes/`, `shares/`, `.nasd/`) or would mislead other users.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'root', 'daemon', 'bin', 'sys', 'sync', 'nobody', 'nogroup', 'guest', 'www-data', 'samba', 'nasd',
  'system', 'administrator', 'everyone', 'home', 'homes', 'shares', 'global', 'printers', 'print', 'ipc',
]);

/** Throws VALIDATION unless `name` is 1–32 of [a-z0-9._-], starts with a letter or digit and is not reserved. */
export function assertValidUsername(name: string): void {
  if (!USERNAME.test(name)) {
    throw new ValidationError(
      'username must be 1-32 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
      { details: { fields: [{ field: 'username' }] } },
    );
  }
  if (RESERVED_USERNAMES.has(name)) {
    throw new ValidationError(`username "${name}" is reserved`, { details: { fields: [{ field: 'username' }] } });
  }
}
