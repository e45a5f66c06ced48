import { VfsError } from '../lib/errors.js';

/** Longest single name in UTF-8 bytes (ext4, XFS, btrfs and NTFS all stop at 255). */
export const MAX_NAME_BYTES = 255;
/** Longest virtual path in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

/** A normalized virtual path: `/` or `/a/b` (no trailing slash), and its segments. */
export interface VfsPath {
  path: string;
  segments: string[];
}

/**
 * Percent sequences that must not survive the protocol's single decoding: dot, slash, backslash,
 * percent itself (double encoding such as `%252e`), control bytes, and lead bytes of overlong
 * UTF-8 forms (`%c0%ae` is an overlong `.`). A later layer that decodes again would turn them
 * into traversal, so they are refused instead of being stored literally.
 */
const DANGEROUS_PERCENT = /%(2e|2f|5c|25|[01][0-9a-f]|7f|c0|c1|e0%[89][0-9a-f]|f0%8[0-9a-f])/i;

/** C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A UTF-16 surrogate without its partner: not a Unicode character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Device names Windows reserves with or without an extension; SMB clients cannot open them. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

function reject(message: string, raw: string): never {
  throw new VfsError('VALIDATION', message, { details: { path: raw.length > 200 ? `${raw.slice(0, 200)}…` : raw } });
}

/**
 * Checks one path segment (a file or folder name) and returns it unchanged. Unicode is never
 * normalized: NFC and NFD spellings are different names and both round-trip exactly.
 * Throws VfsError VALIDATION with a message naming the rule that was broken.
 */
export function validateName(name: string, raw: string = name): string {
  if (name.length === 0) reject('a file or folder name must not be empty', raw);
  if (name === '.' || name === '..') reject(`"${name}" segments are not allowed in paths`, raw);
  if (name.includes('/') || name.includes('\\')) reject('a name must not contain "/" or "\\"', raw);
  if (LONE_SURROGATE.test(name)) reject('the path is not valid Unicode (lone surrogate)', raw);
  if (name.includes('\ufffd')) reject('the path is not valid UTF-8', raw);
  if (CONTROL.test(name)) reject('control characters (including NUL) are not allowed in names', raw);
  if (DANGEROUS_PERCENT.test(name)) {
    reject('percent-encoded dots, separators, controls or double encoding are not allowed in names', raw);
  }
  const compat = name.normalize('NFKC');
  if (compat === '.' || compat === '..' || compat.includes('/') || compat.includes('\\')) {
    reject('a name must not contain look-alike dots or separators', raw);
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) reject(`a name must be at most ${MAX_NAME_BYTES} bytes in UTF-8`, raw);
  if (name.endsWith('.') || name.endsWith(' ')) reject('a name must not end with a dot or a space (Windows cannot open it)', raw);
  if (WINDOWS_RESERVED.test(name)) reject(`"${name}" is a device name reserved by Windows`, raw);
  return name;
}

/**
 * The ONE path normalizer for every protocol. Takes a client path below the protocol prefix,
 * already percent-decoded once, and returns it normalized: empty segments collapse (`//a/` is
 * `/a`), everything else that could escape the jail or break a client is refused with
 * VfsError VALIDATION (`..`/`.` segments, NUL and controls, backslashes, encoded traversal that
 * survived decoding, invalid UTF-8, over-long names or paths, Windows device names).
 */
export function normalizePath(raw: string): VfsPath {
  if (typeof raw !== 'string') reject('a path must be a string', String(raw));
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) reject(`a path must be at most ${MAX_PATH_BYTES} bytes in UTF-8`, raw);
  if (raw.includes('\\')) reject('backslashes are not allowed in paths', raw);
  const segments = raw.split('/').filter((s) => s.length > 0);
  for (const segment of segments) validateName(segment, raw);
  return { path: `/${segments.join('/')}`, segments };
}

/** Joins a normalized parent path and one name (validated) into a normalized path. */
export function joinPath(parent: string, name: string): string {
  validateName(name);
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** The parent of a normalized path (`/` for `/` itself). */
export function parentPath(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** The last segment of a normalized path (`''` for `/`). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** true when `path` is `ancestor` or lies below it (both normalized). */
export function isSameOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
