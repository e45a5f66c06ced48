/**
 * The single-path file system calls of LocalBackend that run on libuv's pool (not a storage
 * worker), each with its errors mapped to VfsErrors for the key it serves.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { VfsError } from '../../lib/errors.js';
import { classifyFsError, keyError } from './errors.js';
import { rawStatOf, type RawStat } from './raw-stat.js';

/** Unlinks at once within one folder (the parallelism that keeps a big delete fast). */
const REMOVE_BATCH = 64;

/**
 * Deletes a file, a symlink (never followed) or a folder with everything below it: one readdir
 * per folder, its files unlinked a batch at a time, its folders one after the other (so at most
 * REMOVE_BATCH calls are in flight). fs.rm does the same with an extra lstat and retry
 * bookkeeping per entry, which for a folder of 10,000 files left about 9 MiB more garbage.
 */
export async function removeTree(target: string): Promise<void> {
  if (!(await fsp.lstat(target)).isDirectory()) return fsp.unlink(target);
  const entries = await fsp.readdir(target, { withFileTypes: true });
  const files = entries.filter((e) => !e.isDirectory());
  for (let i = 0; i < files.length; i += REMOVE_BATCH) {
    await Promise.all(files.slice(i, i + REMOVE_BATCH).map((e) => fsp.unlink(path.join(target, e.name))));
  }
  for (const dir of entries.filter((e) => e.isDirectory())) await removeTree(path.join(target, dir.name));
  await fsp.rmdir(target);
}

/** lstat of a resolved path as a RawStat; NOT_FOUND when absent or neither file nor folder (symlinks, devices). */
export async function lstatRaw(abs: string, key: string): Promise<RawStat> {
  const raw = await lstatIfAny(abs, key);
  if (!raw) throw keyError('NOT_FOUND', 'no such file or folder', key);
  return raw;
}

/** Sets a temp file's mtime (the client's, e.g. X-OC-Mtime or tus metadata). */
export async function stampMtime(tempPath: string, mtimeMs: number): Promise<void> {
  try {
    await fsp.utimes(tempPath, new Date(), new Date(mtimeMs));
  } catch (err) {
    throw classifyFsError(err, 'temporary file');
  }
}

/** A temp file's stat after setting its mtime when asked (a commit's first look at it). */
export async function stampedStat(tempPath: string, mtimeMs: number | undefined): Promise<RawStat> {
  let raw: RawStat | null;
  if (mtimeMs !== undefined) await stampMtime(tempPath, mtimeMs);
  try {
    raw = rawStatOf(await fsp.lstat(tempPath));
  } catch (err) {
    throw classifyFsError(err, 'temporary file');
  }
  if (!raw) throw new VfsError('NOT_FOUND', 'the temporary file is not a file or folder');
  return raw;
}

/** NOT_FOUND unless `folder` resolves to itself (no symlink on the way). */
export async function assertRealFolder(folder: string, key: string): Promise<void> {
  let real: string;
  try {
    real = await fsp.realpath(folder);
  } catch (err) {
    throw classifyFsError(err, key);
  }
  if (real !== folder) throw keyError('NOT_FOUND', 'no such file or folder', key);
}

/** What is at a resolved path (undefined when nothing, or neither file nor folder). */
export async function lstatIfAny(abs: string, key: string): Promise<RawStat | undefined> {
  try {
    return rawStatOf(await fsp.lstat(abs)) ?? undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw classifyFsError(err, key);
  }
}

/** Renames within the root (paths already confined); an existing target file is replaced atomically. */
export async function renameWithin(from: string, to: string, toKey: string): Promise<void> {
  try {
    await fsp.rename(from, to);
  } catch (err) {
    throw classifyFsError(err, toKey);
  }
}

/** Sets a file's or folder's mtime, keeping its atime; a symlink answers as absent (never followed). */
export async function setMtimeNoFollow(abs: string, mtimeMs: number, key: string): Promise<void> {
  try {
    const st = await fsp.lstat(abs);
    if (st.isSymbolicLink()) throw Object.assign(new Error('symlink'), { code: 'ENOENT' });
    await fsp.utimes(abs, st.atime, new Date(mtimeMs));
  } catch (err) {
    throw classifyFsError(err, key);
  }
}

/**
 * Puts an inspected temp file (or folder) at `abs`: rename, which replaces a file there, or with
 * `replace` false a link, which refuses an existing target (ALREADY_EXISTS), then the temp name
 * goes. A file keeps its inspected stat through the rename; a moved folder's times may change
 * with its `..` entry, so it is looked at again.
 */
export async function placeInspected(abs: string, tempPath: string, key: string, inspection: { temp: RawStat }, replace: boolean): Promise<RawStat> {
  try {
    await (replace ? fsp.rename(tempPath, abs) : fsp.link(tempPath, abs));
  } catch (err) {
    throw classifyFsError(err, key);
  }
  if (!replace) await fsp.rm(tempPath, { force: true });
  return inspection.temp.type === 'file' ? inspection.temp : lstatRaw(abs, key);
}

/** fsync of each folder at once (its entries, such as a name just renamed in, reach the disk). */
export async function fsyncFolders(folders: Array<{ abs: string; key: string }>): Promise<void> {
  await Promise.all(
    folders.map(async ({ abs, key }) => {
      let handle: fsp.FileHandle | undefined;
      try {
        handle = await fsp.open(abs, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
        await handle.sync();
      } catch (err) {
        throw classifyFsError(err, key);
      } finally {
        await handle?.close();
      }
    }),
  );
}
