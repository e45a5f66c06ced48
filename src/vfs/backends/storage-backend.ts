import type { Readable } from 'node:stream';
import type { WholeFile } from '../types.js';
import type { RawStat } from './raw-stat.js';

/** A file fully written to nasd's temp area: flushed to disk, not yet in the namespace. */
export interface TempFile {
  tempPath: string;
  size: number;
  sha256: string;
}

/** Called with the running byte total before each chunk is written; throws to stop the write. */
export type ByteGuard = (totalBytes: number) => void | Promise<void>;

/** What is at a key and around it (see StorageBackend.probe). */
export interface KeyProbe {
  /** The key's folder: a folder, a file (so the key cannot exist), or absent (or not a plain folder). */
  parent: 'directory' | 'file' | 'missing';
  /** The entry at the key, when there is one. */
  entry: RawStat | undefined;
}

/** MD5 and SHA-1 of a file as read by StorageBackend.hashFile (lowercase hex). */
export interface FileHashes {
  md5: string;
  sha1: string;
  /** The file when reading began. */
  stat: RawStat;
  /** Its size or mtime differed once read, or fewer or more bytes came than it had: the hashes may mix two versions. */
  changed: boolean;
}

/** A finished temp file and its target, looked at by StorageBackend.inspectCommit. */
export interface CommitInspection {
  /** The temp file or folder, its mtime already set when one was asked for. */
  temp: RawStat;
  /** What is at the target key now (undefined: nothing). */
  existing: RawStat | undefined;
}

/** Names which implementation runs (`NASD_STORAGE_BACKEND`). */
export type StorageBackendKind = 'fast' | 'reference';

/**
 * Disk I/O under one confined root, the only thing the VFS asks of storage. Addresses are
 * storage keys (`homes/alice/a.txt`, `shares/media/x`), never absolute paths. The contract,
 * checked for every implementation by test/contract/storage-backend.test.ts:
 * - Symlinks are never followed: a symlink anywhere in a key's path makes the key NOT_FOUND,
 *   and listings skip symlinks and anything that is neither file nor folder (FIFOs, sockets).
 * - Errors are VfsErrors (backends/errors.ts), naming the key, never the absolute path.
 * - A temp file is flushed to disk before writeTemp/copyToTemp resolve, and placeTemp renames
 *   it into place atomically: a reader sees the old file or the whole new one; after
 *   syncFolders of its folder the new name survives a power cut too.
 * - Temp files are named `<instanceId>_<random>` in `<root>/.nasd/tmp`, so several processes
 *   sharing one root each know their own (clearTemp).
 */
export interface StorageBackend {
  readonly kind: StorageBackendKind;
  /** The real (resolved) root folder. */
  readonly root: string;
  /** The process that names its temp files with this prefix (see InstanceRegistry). */
  readonly instanceId: string;

  /** NOT_FOUND when absent (or a symlink on the way). */
  stat(key: string): Promise<RawStat>;
  /** stat, or undefined when the entry does not exist. */
  tryStat(key: string): Promise<RawStat | undefined>;
  /** What a write needs to know before it starts: the key's folder and what is at the key. */
  probe(key: string): Promise<KeyProbe>;
  /** The whole folder; symlinks and specials are skipped. */
  list(key: string): Promise<Array<{ name: string; stat: RawStat }>>;
  /** list() a batch at a time (errors about the folder itself come with the first batch). */
  listInBatches(key: string): AsyncIterable<Array<{ name: string; stat: RawStat }>>;
  /** Every file and folder below `key` (not `key` itself), parents before children. */
  walk(key: string): AsyncIterable<{ key: string; stat: RawStat }>;

  /** A read stream over the file or an inclusive byte range of it. */
  openRead(key: string, range?: { start: number; end: number }): Promise<{ stat: RawStat; stream: Readable }>;
  /** The whole file for sending: up to `inlineUpTo` bytes as `data`, a bigger one as `send` (which must be called). */
  openWhole(key: string, inlineUpTo: number): Promise<WholeFile<RawStat>>;

  /** MD5 and SHA-1 of a file's bytes, read off the event loop's thread where the backend can; IS_A_DIRECTORY for a folder. */
  hashFile(key: string): Promise<FileHashes>;

  /** Streams `source` into a new temp file, hashing and counting (`guard` may stop it), flushed before it resolves. */
  writeTemp(source: Readable, guard?: ByteGuard, sizeHint?: number): Promise<TempFile>;
  /** Copies a file into a new flushed temp file. */
  copyToTemp(key: string): Promise<{ tempPath: string; size: number }>;
  /** Copies a folder (with its members unless depth is 0) into a new temp folder; entries are relative (`/a/b`). */
  copyTreeToTemp(key: string, depth: 0 | 'infinity'): Promise<{ tempPath: string; entries: Array<{ rel: string; stat: RawStat }> }>;
  /**
   * The first half of a commit, done before the caller takes its database lock: sets the temp's
   * mtime when asked, checks the key's folder (NOT_FOUND when it is missing or reached through a
   * symlink) and looks at what is at the key.
   */
  inspectCommit(tempPath: string, key: string, options?: { mtimeMs?: number }): Promise<CommitInspection>;
  /**
   * The second half: atomically puts the inspected temp file (or folder) at `key`, replacing a
   * file there unless `replace` is false (ALREADY_EXISTS then); returns the committed entry.
   */
  placeTemp(tempPath: string, key: string, inspection: CommitInspection, options?: { replace?: boolean }): Promise<RawStat>;
  /** Makes the entries of these folders durable (an fsync of each): a placed file's new name survives a power cut. */
  syncFolders(keys: readonly string[]): Promise<void>;
  /** Deletes a temp file or folder that will not be committed. */
  discardTemp(tempPath: string): Promise<void>;
  /** Deletes the temp files of processes that are not alive; returns how many. */
  clearTemp(liveInstances: () => Promise<Set<string>>): Promise<number>;

  mkdir(key: string, options?: { recursive?: boolean }): Promise<RawStat>;
  /** Makes sure an area root (`homes/alice`, `shares/media`) exists, creating it when missing. */
  ensureArea(key: string): Promise<void>;
  /** The area root at `key` is being moved away (a home retired): ensureArea must look again. */
  forgetArea(key: string): void;
  /** Removes a file or a whole tree (symlinks inside are removed, never followed). */
  remove(key: string): Promise<void>;
  /** Renames within the root; an existing target file is replaced atomically. */
  rename(fromKey: string, toKey: string): Promise<void>;
  setMtime(key: string, mtimeMs: number): Promise<void>;
  /** Bytes free for unprivileged writers on the storage filesystem. */
  freeBytes(): Promise<number>;
  /** Absolute path of a tus part file in `.nasd/uploads` (VALIDATION for a malformed id). */
  uploadPartPath(id: string): string;
  /** Releases what the backend holds (threads); call once, at shutdown. */
  close(): Promise<void>;
}

/** inspectCommit then placeTemp, for a commit with no booking to do in between (a copied tree). */
export async function commitTemp(backend: StorageBackend, tempPath: string, key: string, options: { mtimeMs?: number; replace?: boolean } = {}): Promise<RawStat> {
  return backend.placeTemp(tempPath, key, await backend.inspectCommit(tempPath, key, options), options);
}
