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

/** C0 control characters, NUL included: XML 1.0 cannot carry them, so no WebDAV listing could name the file. */
// eslint-disable-next-line no-control-regex
const C0_CONTROL = /[\u0000-\u001f]/;

/** The two non-characters XML 1.0 cannot carry either. */
const XML_NONCHARACTER = /[\ufffe\uffff]/;

/** A UTF-16 surrogate without its partner: not a Unicode character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function reject(message: string, raw: string): never {
  throw new VfsError('VALIDATION', message, { details: { path: raw.length > 200 ? `${raw.slice(0, 200)}…` : raw } });
}

/**
 * Checks one path segment (a file or folder name) and returns it unchanged. Every name a POSIX
 * file system can store and a WebDAV listing can carry is accepted (`._.`, `name.`, `name `,
 * `CON`, `50%.txt`, `a%2e.txt`, `a\b`): each protocol decodes its input exactly once, so what
 * arrives here is a name, never a path. Refused: empty, `.` and `..`, `/`, NUL and the other C0
 * controls, invalid UTF-8 and names over 255 bytes. Windows naming rules are SMB's business
 * (Samba mangles such names). Unicode is never normalized: NFC and NFD spellings are different
 * names and both round-trip. Throws VfsError VALIDATION naming the rule that was broken.
 */
export function validateName(name: string, raw: string = name): string {
  if (name.length === 0) reject('a file or folder name must not be empty', raw);
  if (name === '.' || name === '..') reject(`"${name}" segments are not allowed in paths`, raw);
  if (name.includes('/')) reject('a name must not contain "/"', raw);
  if (LONE_SURROGATE.test(name)) reject('the path is not valid Unicode (lone surrogate)', raw);
  if (name.includes('\ufffd')) reject('the path is not valid UTF-8', raw);
  if (C0_CONTROL.test(name)) reject('control characters (including NUL) are not allowed in names', raw);
  if (XML_NONCHARACTER.test(name)) reject('U+FFFE and U+FFFF are not characters and are not allowed in names', raw);
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) reject(`a name must be at most ${MAX_NAME_BYTES} bytes in UTF-8`, raw);
  return name;
}

/**
 * The ONE path normalizer for every protocol. Takes a client path below the protocol prefix,
 * already percent-decoded once, and returns it normalized: empty segments collapse (`//a/` is
 * `/a`), and a segment that is not a name (see `validateName`) or a path over 4096 bytes is
 * refused with VfsError VALIDATION. A `/` always separates: a protocol that decodes segment by
 * segment refuses an encoded `/` inside one before it gets here.
 */
export function normalizePath(raw: string): VfsPath {
  if (typeof raw !== 'string') reject('a path must be a string', String(raw));
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) reject(`a path must be at most ${MAX_PATH_BYTES} bytes in UTF-8`, raw);
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
