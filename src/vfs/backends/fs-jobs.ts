/** The jobs a storage worker thread runs (fs-worker.ts) and what it answers; plain data both ways. */

import type { RawStat } from './raw-stat.js';

/** A failed call's errno code (ENOENT, ENOTDIR…). */
export interface Errno {
  errno: string;
}

export type FsJob =
  /** realpath of the folder, open without following a symlink, fstat, and the bytes when at most maxBytes. */
  | { op: 'readSmall'; abs: string; maxBytes: number }
  /** lstat of each name in `dir` (a listing's batch), packed as STAT_FIELDS numbers per name. */
  | { op: 'statNames'; dir: string; names: string[] }
  /** Opened as readSmall does, then MD5 and SHA-1 of all its bytes and an fstat before and after. */
  | { op: 'hashFile'; abs: string };

export type FsJobResult =
  /** data is null when the entry is not a file or is bigger than maxBytes (then only the stat). */
  | { kind: 'read'; outcome: Errno | { stat: RawStat | null; data: Uint8Array<ArrayBuffer> | null } }
  /** hashes is null when the entry is not a file (then only the stat); changed: see FileHashes. */
  | { kind: 'hash'; outcome: Errno | { stat: RawStat | null; hashes: { md5: string; sha1: string } | null; changed: boolean } }
  /** STAT_FIELDS numbers per name asked, in order (see packStat); transferred, not copied. */
  | { kind: 'stats'; packed: Float64Array<ArrayBuffer> };

/** A worker's answer to job `id`: its result, or why the worker could not run it at all. */
export interface FsReply {
  id: number;
  result?: FsJobResult;
  failure?: string;
}

export function isErrno(v: unknown): v is Errno {
  return typeof v === 'object' && v !== null && 'errno' in v;
}

/** An Error carrying an errno code that a storage worker answered with, for classifyFsError. */
export function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}
