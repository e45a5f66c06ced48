import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VfsError } from '../../lib/errors.js';
import type { WholeFile } from '../types.js';
import { feedFromClient } from './client-feed.js';
import { classifyFsError, keyError } from './errors.js';
import { clearTempIn, newTempPath, partPathIn, prepareRoot } from './layout.js';
import { DIR_MODE, FILE_MODE } from './modes.js';
import { assertRealFolder, lstatIfAny, lstatRaw, fsyncFolders, placeInspected, renameWithin, setMtimeNoFollow, stampedStat } from './path-calls.js';
import { changedWhileRead, rawStatOf, type RawStat } from './raw-stat.js';
import type { ByteGuard, CommitInspection, FileHashes, KeyProbe, StorageBackend, TempFile } from './storage-backend.js';
import { copyFileToTemp, copyTreeToTemp } from './temp-copy.js';

const BATCH = 256;

/**
 * The reference storage backend (`NASD_STORAGE_BACKEND=reference`): the StorageBackend contract
 * done the plain way, one asynchronous node:fs call at a time, no threads of its own, no caches.
 * It is the yardstick the fast backend (local.ts) is checked against: both pass the same
 * contract suite, so anything the fast one does differently must be an optimisation only.
 */
export class ReferenceBackend implements StorageBackend {
  readonly kind = 'reference' as const;

  private constructor(
    readonly root: string,
    readonly instanceId: string,
  ) {}

  static async create(root: string, options: { instanceId?: string } = {}): Promise<ReferenceBackend> {
    return new ReferenceBackend(await prepareRoot(root), options.instanceId ?? crypto.randomUUID());
  }

  /** Absolute path of a key after checking that no component of its folder is a symlink. */
  private async confined(key: string): Promise<string> {
    const abs = path.join(this.root, key);
    await assertRealFolder(path.dirname(abs), key);
    return abs;
  }

  async stat(key: string): Promise<RawStat> {
    return lstatRaw(await this.confined(key), key);
  }

  async tryStat(key: string): Promise<RawStat | undefined> {
    try {
      return await this.stat(key);
    } catch (err) {
      if (err instanceof VfsError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  async probe(key: string): Promise<KeyProbe> {
    const abs = path.join(this.root, key);
    const folder = path.dirname(abs);
    let real: string;
    try {
      real = await fsp.realpath(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { parent: 'missing', entry: undefined };
      throw classifyFsError(err, key);
    }
    if (real !== folder) return { parent: 'missing', entry: undefined };
    try {
      return { parent: 'directory', entry: rawStatOf(await fsp.lstat(abs)) ?? undefined };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { parent: 'directory', entry: undefined };
      if (code === 'ENOTDIR') return { parent: 'file', entry: undefined };
      throw classifyFsError(err, key);
    }
  }

  async list(key: string): Promise<Array<{ name: string; stat: RawStat }>> {
    // The folder itself must not be a symlink either (readdir would follow it).
    const abs = path.join(this.root, key);
    await assertRealFolder(abs, key);
    let names: string[];
    try {
      names = await fsp.readdir(abs);
    } catch (err) {
      throw classifyFsError(err, key);
    }
    const out: Array<{ name: string; stat: RawStat }> = [];
    for (const name of names) {
      // An entry removed between the readdir and its lstat is simply not listed.
      const stat = await lstatIfAny(path.join(abs, name), `${key}/${name}`).catch(() => undefined);
      if (stat) out.push({ name, stat });
    }
    return out;
  }

  async *listInBatches(key: string): AsyncGenerator<Array<{ name: string; stat: RawStat }>> {
    const all = await this.list(key);
    for (let i = 0; i < all.length; i += BATCH) yield all.slice(i, i + BATCH);
  }

  async *walk(key: string): AsyncGenerator<{ key: string; stat: RawStat }> {
    for (const entry of await this.list(key)) {
      const child = `${key}/${entry.name}`;
      yield { key: child, stat: entry.stat };
      if (entry.stat.type === 'directory') yield* this.walk(child);
    }
  }

  /** Opens a file for reading, never through a symlink and never blocking on a FIFO. */
  private async openFile(key: string): Promise<{ handle: fsp.FileHandle; stat: RawStat }> {
    const abs = await this.confined(key);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (err) {
      throw classifyFsError((err as NodeJS.ErrnoException).code === 'ELOOP' ? Object.assign(new Error('symlink'), { code: 'ENOENT' }) : err, key);
    }
    const stat = rawStatOf(await handle.stat());
    if (!stat || stat.type !== 'file') {
      await handle.close();
      throw keyError(stat ? 'IS_A_DIRECTORY' : 'NOT_FOUND', 'not a file', key);
    }
    return { handle, stat };
  }

  async openRead(key: string, range?: { start: number; end: number }): Promise<{ stat: RawStat; stream: Readable }> {
    const { handle, stat } = await this.openFile(key);
    return { stat, stream: handle.createReadStream({ start: range?.start, end: range?.end, autoClose: true }) };
  }

  async openWhole(key: string, inlineUpTo: number): Promise<WholeFile<RawStat>> {
    const { handle, stat } = await this.openFile(key);
    if (stat.size <= inlineUpTo) {
      try {
        return { stat, data: await handle.readFile() };
      } finally {
        await handle.close();
      }
    }
    return {
      stat,
      send: async (out) => {
        await pipeline(handle.createReadStream({ start: 0, end: stat.size - 1, autoClose: true }), out);
      },
    };
  }

  async hashFile(key: string): Promise<FileHashes> {
    const { handle, stat } = await this.openFile(key);
    const md5 = crypto.createHash('md5');
    const sha1 = crypto.createHash('sha1');
    let read = 0;
    try {
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false }) as AsyncIterable<Buffer>) {
        md5.update(chunk);
        sha1.update(chunk);
        read += chunk.length;
      }
      const after = rawStatOf(await handle.stat());
      const changed = changedWhileRead(stat, after, read);
      return { md5: md5.digest('hex'), sha1: sha1.digest('hex'), stat, changed };
    } catch (err) {
      throw classifyFsError(err, key);
    } finally {
      await handle.close();
    }
  }

  /**
   * Streams `source` into a new temp file, counting and hashing, then fdatasyncs and closes it.
   * The client is fed with pipe (feedFromClient), so on failure it is drained, not reset.
   */
  async writeTemp(source: Readable, guard?: ByteGuard): Promise<TempFile> {
    const tempPath = newTempPath(this.root, this.instanceId);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        new Promise<void>((resolve) => resolve(guard?.(size + chunk.length))).then(() => {
          size += chunk.length;
          hash.update(chunk);
          done(null, chunk);
        }, done);
      },
    });
    // A body that breaks off while the file is being opened must fail this write, not escape as
    // an uncaught stream error: hold its error until the feed below takes over.
    let earlyError: Error | undefined;
    const holdError = (err: Error) => void (earlyError ??= err);
    source.on('error', holdError);
    const handle = await fsp.open(tempPath, 'wx', FILE_MODE).catch((err: unknown) => {
      source.off('error', holdError);
      throw classifyFsError(err, 'temporary file');
    });
    source.off('error', holdError);
    if (earlyError || (source.destroyed && !source.readableEnded)) {
      await handle.close();
      await fsp.rm(tempPath, { force: true });
      throw classifyFsError(earlyError ?? Object.assign(new Error('the client went away'), { code: 'ECONNRESET' }), 'temporary file');
    }
    const done = pipeline(counter, async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) await handle.write(chunk);
    });
    const feed = feedFromClient(source, counter);
    try {
      await done;
      await handle.datasync();
    } catch (err) {
      feed.abandon();
      await handle.close();
      await fsp.rm(tempPath, { force: true });
      throw classifyFsError(err, 'temporary file');
    } finally {
      feed.detach();
    }
    await handle.close();
    return { tempPath, size, sha256: hash.digest('hex') };
  }

  async copyToTemp(key: string): Promise<{ tempPath: string; size: number }> {
    const st = await this.stat(key);
    if (st.type !== 'file') throw keyError('IS_A_DIRECTORY', 'not a file', key);
    const tempPath = newTempPath(this.root, this.instanceId);
    await copyFileToTemp(path.join(this.root, key), tempPath, key);
    return { tempPath, size: st.size };
  }

  async copyTreeToTemp(key: string, depth: 0 | 'infinity'): Promise<{ tempPath: string; entries: Array<{ rel: string; stat: RawStat }> }> {
    const tempPath = newTempPath(this.root, this.instanceId);
    const entries = await copyTreeToTemp(this.root, key, tempPath, depth === 'infinity' ? this.walk(key) : undefined);
    return { tempPath, entries };
  }

  async inspectCommit(tempPath: string, key: string, options: { mtimeMs?: number } = {}): Promise<CommitInspection> {
    const abs = await this.confined(key);
    const temp = await stampedStat(tempPath, options.mtimeMs);
    return { temp, existing: await lstatIfAny(abs, key) };
  }

  async placeTemp(tempPath: string, key: string, inspection: CommitInspection, options: { replace?: boolean } = {}): Promise<RawStat> {
    return placeInspected(path.join(this.root, key), tempPath, key, inspection, options.replace ?? true);
  }

  async syncFolders(keys: readonly string[]): Promise<void> {
    await fsyncFolders([...new Set(keys)].map((key) => ({ abs: path.join(this.root, key), key })));
  }

  async discardTemp(tempPath: string): Promise<void> {
    await fsp.rm(tempPath, { recursive: true, force: true });
  }

  clearTemp(liveInstances: () => Promise<Set<string>>): Promise<number> {
    return clearTempIn(this.root, liveInstances);
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

  async ensureArea(key: string): Promise<void> {
    const existing = await lstatIfAny(path.join(this.root, key), key);
    if (existing?.type !== 'directory') await this.mkdir(key, { recursive: true });
  }

  forgetArea(): void {
    // Nothing is cached: ensureArea always looks.
  }

  async remove(key: string): Promise<void> {
    const abs = await this.confined(key);
    try {
      await fsp.lstat(abs);
      // fs.rm removes symlinks inside the tree without following them.
      await fsp.rm(abs, { recursive: true });
    } catch (err) {
      throw classifyFsError(err, key);
    }
  }

  async rename(fromKey: string, toKey: string): Promise<void> {
    await renameWithin(await this.confined(fromKey), await this.confined(toKey), toKey);
  }

  async setMtime(key: string, mtimeMs: number): Promise<void> {
    await setMtimeNoFollow(await this.confined(key), mtimeMs, key);
  }

  async freeBytes(): Promise<number> {
    const st = await fsp.statfs(this.root);
    return st.bavail * st.bsize;
  }

  uploadPartPath(id: string): string {
    return partPathIn(this.root, id);
  }

  async close(): Promise<void> {
    // No threads or handles held between calls.
  }
}
