import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { VfsError } from '../../lib/errors.js';
import { classifyFsError, keyError } from './errors.js';
import { FsWorkerPool } from './fs-pool.js';
import { errnoError, isErrno } from './fs-jobs.js';
import { sendFile } from './send-file.js';
import { writeTempFile } from './temp-write.js';
import { DIR_MODE } from './modes.js';
import { copyFileToTemp, copyTreeToTemp } from './temp-copy.js';
import { clearTempIn, newTempPath, partPathIn, prepareRoot } from './layout.js';
import type { ByteGuard, CommitInspection, FileHashes, KeyProbe, StorageBackend, TempFile } from './storage-backend.js';
import type { WholeFile } from '../types.js';
import { rawStatOf, unpackStat, type RawStat } from './raw-stat.js';
import { assertRealFolder, lstatRaw, placeInspected, removeTree, renameWithin, setMtimeNoFollow, stampMtime } from './path-calls.js';

const READ_HIGH_WATER = 1024 * 1024;
/**
 * How long an area root seen as a folder is trusted without looking again (ms). A root removed
 * behind nasd's back is recreated at most that much later; until then operations below it
 * answer NOT_FOUND or PARENT_MISSING.
 */
const AREA_TRUST_MS = 1000;

const STAT_BATCH = 256;
/** A folder probed this recently (ms) has its entries in memory: the next probe runs synchronously. */
const FOLDER_HOT_MS = 1000;
const FOLDERS_REMEMBERED = 1024;

/** fsync of one folder: opened and closed synchronously, the fsync itself on libuv's pool. */
function syncFolderNow(abs: string, key: string): Promise<void> {
  const fd = attempt(() => fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY));
  if (fd instanceof Error) return Promise.reject(classifyFsError(fd, key));
  return new Promise<void>((resolve, reject) => {
    fs.fsync(fd, (err) => {
      // The fsync's outcome is what counts; closing a directory has nothing left to write.
      attempt(() => fs.closeSync(fd));
      if (err) reject(classifyFsError(err, key));
      else resolve();
    });
  });
}

/** The result of an asynchronous fs call, or the error it failed with (as attempt, for the pool). */
function settled<T>(call: Promise<T>): Promise<T | NodeJS.ErrnoException> {
  return call.catch((err: NodeJS.ErrnoException) => err);
}

/** The result of a synchronous fs call, or the error it threw. */
function attempt<T>(call: () => T): T | NodeJS.ErrnoException {
  try {
    return call();
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

/**
 * The fast storage backend (`NASD_STORAGE_BACKEND=fast`, the default): the StorageBackend
 * contract, with small reads and listings run as jobs on storage worker threads (fs-pool.ts),
 * listings stat'ed a batch per job, small bodies written and flushed in one call each on
 * libuv's pool (their flushes run at once), and area roots trusted for a second.
 * The reference backend (reference.ts) does the same with one plain node:fs call at a time.
 */
export class LocalBackend implements StorageBackend {
  readonly kind = 'fast' as const;
  /** Runs the short file system call sequences of the hot paths (see fs-pool.ts). */
  private readonly workers = new FsWorkerPool();
  /** Folders a probe found real, with when (performance.now()): their next probes run synchronously. */
  private readonly foldersProbed = new Map<string, number>();
  /** Area roots seen as folders, with when (performance.now()), for ensureArea. */
  private readonly areasSeen = new Map<string, number>();

  private constructor(
    readonly root: string,
    /** The process that names its temp files with this prefix (see InstanceRegistry). */
    readonly instanceId: string,
  ) {}

  /** Creates the root layout (homes/, shares/, .nasd/tmp, .nasd/uploads) and resolves the real root. */
  static async create(root: string, options: { instanceId?: string } = {}): Promise<LocalBackend> {
    return new LocalBackend(await prepareRoot(root), options.instanceId ?? crypto.randomUUID());
  }

  /** A fresh path in `.nasd/tmp` carrying this process's instance id. */
  private newTempPath(): string {
    return newTempPath(this.root, this.instanceId);
  }

  /** Absolute path of a key after checking that no component of its parent is a symlink. */
  private async confined(key: string): Promise<string> {
    const abs = path.join(this.root, key);
    await assertRealFolder(path.dirname(abs), key);
    return abs;
  }

  async stat(key: string): Promise<RawStat> {
    const abs = await this.confined(key);
    return lstatRaw(abs, key);
  }

  /**
   * The state of a key and its folder from one realpath of the folder and one lstat: what a
   * write needs to know before it starts (PARENT_MISSING / NOT_A_DIRECTORY / exists). A symlink
   * on the way makes the folder 'missing', as stat would. Every small PUT asks, and both calls
   * take a microsecond or two when the folder's entries are in memory, against about 25 µs of
   * CPU each as a hand-off to libuv's pool: for a folder probed within FOLDER_HOT_MS they run
   * synchronously on the event loop; otherwise (where a cold disk could make them wait) on the
   * pool, at once.
   */
  async probe(key: string): Promise<KeyProbe> {
    const abs = path.join(this.root, key);
    const folder = path.dirname(abs);
    const [real, entry] = this.isHot(folder)
      ? [attempt(() => fs.realpathSync.native(folder)), attempt(() => fs.lstatSync(abs))]
      : await Promise.all([settled(fsp.realpath(folder)), settled(fsp.lstat(abs))]);
    if (real instanceof Error) {
      if (real.code === 'ENOENT') return { parent: 'missing', entry: undefined };
      throw classifyFsError(real, key);
    }
    if (real !== folder) return { parent: 'missing', entry: undefined };
    this.noteProbed(folder);
    if (!(entry instanceof Error)) return { parent: 'directory', entry: rawStatOf(entry) ?? undefined };
    if (entry.code === 'ENOENT') return { parent: 'directory', entry: undefined };
    if (entry.code === 'ENOTDIR') return { parent: 'file', entry: undefined };
    throw classifyFsError(entry, key);
  }

  /** Remembers when a folder was last found real (bounded: a full map starts over). */
  private noteProbed(folder: string): void {
    if (this.foldersProbed.size >= FOLDERS_REMEMBERED && !this.foldersProbed.has(folder)) this.foldersProbed.clear();
    this.foldersProbed.set(folder, performance.now());
  }

  /** stat, or undefined when the entry does not exist. */
  async tryStat(key: string): Promise<RawStat | undefined> {
    try {
      return await this.stat(key);
    } catch (err) {
      if (err instanceof VfsError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** The whole folder from listInBatches; symlinks and specials are skipped. */
  async list(key: string): Promise<Array<{ name: string; stat: RawStat }>> {
    const out: Array<{ name: string; stat: RawStat }> = [];
    for await (const batch of this.listInBatches(key)) out.push(...batch);
    return out;
  }

  /**
   * list() a batch of STAT_BATCH entries at a time: the folder is read once, up front, and each
   * batch is stat'ed by a storage worker in one job (one hand-off per batch, not per entry),
   * the next batch's job running while the caller works on this one.
   */
  async *listInBatches(key: string): AsyncGenerator<Array<{ name: string; stat: RawStat }>> {
    // The folder itself must not be a symlink either (readdir would follow it).
    const abs = path.join(this.root, key);
    await assertRealFolder(abs, key);
    let dirents: fs.Dirent[];
    try {
      dirents = await fsp.readdir(abs, { withFileTypes: true });
    } catch (err) {
      throw classifyFsError(err, key);
    }
    const names = dirents.filter((d) => d.isFile() || d.isDirectory()).map((d) => d.name);
    const statBatch = (from: number) => {
      const batch = names.slice(from, from + STAT_BATCH);
      const job = this.workers.statNames(abs, batch).then((packed) => ({ batch, packed }));
      job.catch(() => undefined); // a caller that stops early never awaits the batch read ahead
      return job;
    };
    let next = names.length > 0 ? statBatch(0) : undefined;
    for (let i = 0; next; i += STAT_BATCH) {
      const { batch, packed } = await next;
      next = i + STAT_BATCH < names.length ? statBatch(i + STAT_BATCH) : undefined;
      const out: Array<{ name: string; stat: RawStat }> = [];
      batch.forEach((name, j) => {
        const stat = unpackStat(packed, j);
        if (stat) out.push({ name, stat });
      });
      yield out;
    }
  }

  /** A read stream over the file or an inclusive byte range of it. */
  async openRead(key: string, range?: { start: number; end: number }): Promise<{ stat: RawStat; stream: Readable }> {
    const { handle, stat } = await this.openFile(key);
    const stream = handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: READ_HIGH_WATER, autoClose: true });
    return { stat, stream };
  }

  /**
   * The whole file, for sending: one of at most `inlineUpTo` bytes is read by a storage worker
   * in one job (`data`), a bigger one is opened here and comes as `send`, which must be called:
   * it writes the file to a response through reused buffers (see send-file.ts) and closes it.
   */
  async openWhole(key: string, inlineUpTo: number): Promise<WholeFile<RawStat>> {
    const outcome = await this.workers.readSmall(path.join(this.root, key), inlineUpTo);
    if (isErrno(outcome)) throw classifyFsError(errnoError(outcome.errno), key);
    const { stat: found, data } = outcome;
    if (!found || found.type !== 'file') throw keyError(found ? 'IS_A_DIRECTORY' : 'NOT_FOUND', 'not a file', key);
    if (data) return { stat: found, data: Buffer.from(data.buffer, data.byteOffset, data.length) };
    const { handle, stat } = await this.openFile(key);
    return { stat, send: (out) => sendFile(handle, stat.size, out) };
  }

  /** MD5 and SHA-1 of a file, read by a storage worker a chunk at a time (see fs-worker.ts hashFile). */
  async hashFile(key: string): Promise<FileHashes> {
    const outcome = await this.workers.hashFile(path.join(this.root, key));
    if (isErrno(outcome)) throw classifyFsError(errnoError(outcome.errno), key);
    const { stat, hashes, changed } = outcome;
    if (!stat || !hashes) throw keyError(stat ? 'IS_A_DIRECTORY' : 'NOT_FOUND', 'not a file', key);
    return { ...hashes, stat, changed };
  }

  /** Opens a file for reading (never through a symlink); IS_A_DIRECTORY / NOT_FOUND otherwise. */
  private async openFile(key: string): Promise<{ handle: fsp.FileHandle; stat: RawStat }> {
    const abs = await this.confined(key);
    let handle: fsp.FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO placed in a share would otherwise hold a thread until a writer comes.
      handle = await fsp.open(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (err) {
      throw classifyFsError((err as NodeJS.ErrnoException).code === 'ELOOP' ? errnoError('ENOENT') : err, key);
    }
    const st = rawStatOf(await handle.stat());
    if (!st || st.type !== 'file') {
      await handle.close();
      throw keyError(st ? 'IS_A_DIRECTORY' : 'NOT_FOUND', 'not a file', key);
    }
    return { handle, stat: st };
  }

  /**
   * Streams `source` into a new temp file, hashing and counting, then fsyncs it (see
   * temp-write.ts; a small announced body is written in one O_DSYNC call).
   */
  async writeTemp(source: Readable, guard?: ByteGuard, sizeHint?: number): Promise<TempFile> {
    return writeTempFile(this.newTempPath(), source, { guard, sizeHint });
  }

  /** Copies a file into a new fsynced temp file (reflink when the filesystem can). */
  async copyToTemp(key: string): Promise<{ tempPath: string; size: number }> {
    const abs = await this.confined(key);
    const st = await this.stat(key);
    if (st.type !== 'file') throw keyError('IS_A_DIRECTORY', 'not a file', key);
    const tempPath = this.newTempPath();
    await copyFileToTemp(abs, tempPath, key);
    return { tempPath, size: st.size };
  }

  /**
   * Copies a folder (with its members unless depth is 0) into a new temp folder, to be renamed
   * into place with commitTemp. Returns the copied entries relative to the folder (`/a/b`).
   */
  async copyTreeToTemp(key: string, depth: 0 | 'infinity'): Promise<{ tempPath: string; entries: Array<{ rel: string; stat: RawStat }> }> {
    const tempPath = this.newTempPath();
    const entries = await copyTreeToTemp(this.root, key, tempPath, depth === 'infinity' ? this.walk(key) : undefined);
    return { tempPath, entries };
  }

  /**
   * The temp file's stat (after setting its mtime), the folder's realpath and what is at the key.
   * In a folder probed within FOLDER_HOT_MS these reads run synchronously (see probe); otherwise
   * at once on libuv's pool rather than a storage worker, where they would queue behind reads and
   * listings. The commit's transaction is taken only after this, so none of these waits holds
   * the database.
   */
  async inspectCommit(tempPath: string, key: string, options: { mtimeMs?: number } = {}): Promise<CommitInspection> {
    const abs = path.join(this.root, key);
    const folder = path.dirname(abs);
    if (options.mtimeMs !== undefined) await stampMtime(tempPath, options.mtimeMs);
    const [temp, real, existing] = this.isHot(folder)
      ? [attempt(() => fs.lstatSync(tempPath)), attempt(() => fs.realpathSync.native(folder)), attempt(() => fs.lstatSync(abs))]
      : await Promise.all([settled(fsp.lstat(tempPath)), settled(fsp.realpath(folder)), settled(fsp.lstat(abs))]);
    if (temp instanceof Error) throw classifyFsError(temp, 'temporary file');
    const tempStat = rawStatOf(temp);
    if (!tempStat) throw new VfsError('NOT_FOUND', 'the temporary file is not a file or folder');
    if (real instanceof Error) throw classifyFsError(real, key);
    if (real !== folder) throw keyError('NOT_FOUND', 'no such file or folder', key);
    if (!(existing instanceof Error)) return { temp: tempStat, existing: rawStatOf(existing) ?? undefined };
    if (existing.code === 'ENOENT') return { temp: tempStat, existing: undefined };
    throw classifyFsError(existing, key);
  }

  /** Whether a probe found `folder` real within FOLDER_HOT_MS. */
  private isHot(folder: string): boolean {
    const seenAt = this.foldersProbed.get(folder);
    return seenAt !== undefined && performance.now() - seenAt < FOLDER_HOT_MS;
  }

  async placeTemp(tempPath: string, key: string, inspection: CommitInspection, options: { replace?: boolean } = {}): Promise<RawStat> {
    return placeInspected(path.join(this.root, key), tempPath, key, inspection, options.replace ?? true);
  }

  /**
   * fsync of each folder on libuv's pool. The folder was just renamed into, so opening it and
   * closing it again do no I/O and run synchronously: one hand-off per folder instead of three.
   */
  async syncFolders(keys: readonly string[]): Promise<void> {
    await Promise.all([...new Set(keys)].map((key) => syncFolderNow(path.join(this.root, key), key)));
  }

  /** Stops the storage workers (call once, at shutdown). */
  async close(): Promise<void> {
    await this.workers.close();
  }

  /** Deletes a temp file or folder that will not be committed. */
  async discardTemp(tempPath: string): Promise<void> {
    await fsp.rm(tempPath, { recursive: true, force: true });
  }

  async mkdir(key: string, options: { recursive?: boolean } = {}): Promise<RawStat> {
    const abs = await this.confined(key);
    try {
      await fsp.mkdir(abs, { recursive: options.recursive ?? false, mode: DIR_MODE });
    } catch (err) {
      throw classifyFsError(err, key);
    }
    return this.stat(key);
  }

  /**
   * Makes sure an area root (`homes/alice`, `shares/media`) exists, creating it when missing.
   * Every request asks, so a root seen as a folder is trusted for AREA_TRUST_MS without another
   * lstat (forgetArea drops that trust when nasd itself moves a root away). No symlink check
   * here: the operation that follows confines its own key.
   */
  async ensureArea(key: string): Promise<void> {
    const seenAt = this.areasSeen.get(key);
    if (seenAt !== undefined && performance.now() - seenAt < AREA_TRUST_MS) return;
    let isDir = false;
    try {
      isDir = (await fsp.lstat(path.join(this.root, key))).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw classifyFsError(err, key);
    }
    if (!isDir) await this.mkdir(key, { recursive: true });
    this.areasSeen.set(key, performance.now());
  }

  /** The area root at `key` is being moved away (a home retired): the next ensureArea looks again. */
  forgetArea(key: string): void {
    this.areasSeen.delete(key);
  }

  /** Removes a file or a whole tree (symlinks inside are removed, never followed). */
  async remove(key: string): Promise<void> {
    const abs = await this.confined(key);
    try {
      await removeTree(abs);
    } catch (err) {
      throw classifyFsError(err, key);
    }
  }

  /** Renames within the root; an existing target file is replaced atomically. */
  async rename(fromKey: string, toKey: string): Promise<void> {
    await renameWithin(await this.confined(fromKey), await this.confined(toKey), toKey);
  }

  async setMtime(key: string, mtimeMs: number): Promise<void> {
    await setMtimeNoFollow(await this.confined(key), mtimeMs, key);
  }

  /** Every file and folder below `key` (not `key` itself), parents before children; symlinks skipped. */
  async *walk(key: string): AsyncGenerator<{ key: string; stat: RawStat }> {
    for (const entry of await this.list(key)) {
      const child = `${key}/${entry.name}`;
      yield { key: child, stat: entry.stat };
      if (entry.stat.type === 'directory') yield* this.walk(child);
    }
  }

  /** Bytes free for unprivileged writers on the storage filesystem. */
  async freeBytes(): Promise<number> {
    const st = await fsp.statfs(this.root);
    return st.bavail * st.bsize;
  }

  async clearTemp(liveInstances: () => Promise<Set<string>>): Promise<number> {
    return clearTempIn(this.root, liveInstances);
  }

  uploadPartPath(id: string): string {
    return partPathIn(this.root, id);
  }
}
