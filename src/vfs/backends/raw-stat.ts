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
