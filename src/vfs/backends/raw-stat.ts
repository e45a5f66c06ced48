import type fs from 'node:fs';

/** What the disk knows about one entry. */
export interface RawStat {
  type: 'file' | 'directory';
  size: number;
  mtimeMs: number;
  birthtimeMs: number;
  ino: number;
}

/** An lstat/fstat result as a RawStat; null for what is neither file nor folder (symlinks, sockets, devices: never part of the namespace). */
export function rawStatOf(st: fs.Stats): RawStat | null {
  if (st.isFile()) return { type: 'file', size: st.size, mtimeMs: st.mtimeMs, birthtimeMs: st.birthtimeMs || st.mtimeMs, ino: st.ino };
  if (st.isDirectory()) return { type: 'directory', size: 0, mtimeMs: st.mtimeMs, birthtimeMs: st.birthtimeMs || st.mtimeMs, ino: st.ino };
  return null;
}

/** Numbers per entry in a packed stat array: type (0 none, 1 file, 2 folder), size, mtimeMs, birthtimeMs, ino. */
/** Whether a file changed while it was read whole: bytes read or size or mtime differ from `before`. */
export function changedWhileRead(before: RawStat, after: RawStat | null, bytesRead: number): boolean {
  return bytesRead !== before.size || after?.size !== before.size || after.mtimeMs !== before.mtimeMs;
}

export const STAT_FIELDS = 5;

/**
 * Writes `raw` (or "none" for null) at entry `i` of `packed`: a batch of stats crosses from a
 * storage worker as one transferred buffer, not as an object per entry to clone.
 */
export function packStat(packed: Float64Array, i: number, raw: RawStat | null): void {
  const at = i * STAT_FIELDS;
  packed[at] = raw === null ? 0 : raw.type === 'file' ? 1 : 2;
  if (raw === null) return;
  packed[at + 1] = raw.size;
  packed[at + 2] = raw.mtimeMs;
  packed[at + 3] = raw.birthtimeMs;
  packed[at + 4] = raw.ino;
}

/** Entry `i` of a packed stat array, or null when it held no file or folder. */
export function unpackStat(packed: Float64Array, i: number): RawStat | null {
  const at = i * STAT_FIELDS;
  if (packed[at] === 0) return null;
  return { type: packed[at] === 1 ? 'file' : 'directory', size: packed[at + 1], mtimeMs: packed[at + 2], birthtimeMs: packed[at + 3], ino: packed[at + 4] };
}
